import { describe, expect, it } from 'vitest';
import { FAKE_MASTER_PUBLIC_KEY, FakePeerManager } from './peer-manager.ts';
import { wgPublicKey } from './wg.ts';

const K1 = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const K2 = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';
const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';

describe('FakePeerManager', () => {
  it('when a peer is added twice and removed twice, then it behaves like the real manager (idempotent)', async () => {
    const peers = new FakePeerManager();
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(await peers.list()).toEqual([
      { publicKey: K1, allowedIps: ['10.100.0.2/32'], endpoint: null, latestHandshake: null },
    ]);
    await peers.remove(K1);
    await peers.remove(K1);
    expect(await peers.list()).toEqual([]);
  });

  it("when a second peer is added with the first one's IP, then the IP moves to it (wg set replaces, the allowed-IPs table holds one owner)", async () => {
    const peers = new FakePeerManager();
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    await peers.add({ publicKey: K2, allowedIp: '10.100.0.2/32' });
    expect(await peers.list()).toEqual([
      { publicKey: K2, allowedIps: ['10.100.0.2/32'], endpoint: null, latestHandshake: null },
      { publicKey: K1, allowedIps: [], endpoint: null, latestHandshake: null },
    ]);
  });

  it('when a handshake is simulated, then list shows it', async () => {
    const peers = new FakePeerManager();
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    peers.setHandshake(K1, 1764000000, '192.0.2.1:51820');
    expect((await peers.list())[0]).toMatchObject({
      latestHandshake: 1764000000,
      endpoint: '192.0.2.1:51820',
    });
  });

  it.each([
    [{ publicKey: 'short', allowedIp: '10.100.0.2/32' }, 'WireGuard public key "short" is invalid'],
    [{ publicKey: K1, allowedIp: '10.100.0.2' }, 'WireGuard allowed IP "10.100.0.2" is invalid'],
    [{ publicKey: K1, allowedIp: '10.100.0.0/24' }, 'expected one IPv4 address with /32'],
  ])('when adding %o, then it is refused with a message naming the value', async (peer, message) => {
    await expect(new FakePeerManager().add(peer)).rejects.toThrow(message);
  });

  it("when asked for its public key, then it answers the interface's, derived from its private key", async () => {
    expect(await new FakePeerManager({ privateKey: PRIVATE }).publicKey()).toBe(wgPublicKey(PRIVATE));
    expect(await new FakePeerManager().publicKey()).toBe(FAKE_MASTER_PUBLIC_KEY);
  });
});
