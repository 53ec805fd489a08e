import { describe, expect, it } from 'vitest';
import { peersInConfig, stripWgQuick, withLiveInterfaceKeys, withoutPeer, withPeer } from './config-file.ts';

const K1 = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const K2 = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';

const BASE = `# managed by supafleet
[Interface]
Address = 10.100.0.1/24
ListenPort = 51820
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
`;

describe('wg-quick config edits', () => {
  it('when a peer is added, then it is appended and the [Interface] section stays byte for byte', () => {
    const out = withPeer(BASE, { publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(out.startsWith(BASE)).toBe(true);
    expect(out).toBe(`${BASE}\n[Peer]\nPublicKey = ${K1}\nAllowedIPs = 10.100.0.2/32\n`);
    expect(peersInConfig(out)).toEqual([{ publicKey: K1, allowedIps: ['10.100.0.2/32'] }]);
  });

  it('when the same peer is added again, then the text does not change', () => {
    const once = withPeer(BASE, { publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(withPeer(once, { publicKey: K1, allowedIp: '10.100.0.2/32' })).toBe(once);
  });

  it('when an existing peer gets another IP, then its AllowedIPs line is replaced in place and other lines stay', () => {
    const text = `${BASE}\n[Peer]\n# acme\nPublicKey = ${K1}\nAllowedIPs = 10.100.0.2/32, 10.9.0.0/16\nPersistentKeepalive = 25\n\n[Peer]\nPublicKey = ${K2}\nAllowedIPs = 10.100.0.3/32\n`;
    const out = withPeer(text, { publicKey: K1, allowedIp: '10.100.0.7/32' });
    expect(peersInConfig(out)).toEqual([
      { publicKey: K1, allowedIps: ['10.100.0.7/32'] },
      { publicKey: K2, allowedIps: ['10.100.0.3/32'] },
    ]);
    expect(out).toContain('# acme\n');
    expect(out).toContain('PersistentKeepalive = 25\nAllowedIPs = 10.100.0.7/32\n\n[Peer]');
  });

  it('when a peer is removed, then only its section goes; removing an absent peer changes nothing', () => {
    const two = withPeer(withPeer(BASE, { publicKey: K1, allowedIp: '10.100.0.2/32' }), {
      publicKey: K2,
      allowedIp: '10.100.0.3/32',
    });
    const out = withoutPeer(two, K1);
    expect(peersInConfig(out)).toEqual([{ publicKey: K2, allowedIps: ['10.100.0.3/32'] }]);
    expect(out.startsWith(BASE)).toBe(true);
    expect(withoutPeer(out, K1)).toBe(out);
    expect(withoutPeer(withoutPeer(out, K2), K2)).toBe(BASE);
  });

  it('when keys differ in case or spacing, then they are still recognised as wg does', () => {
    const text = `${BASE}\n[peer]\npublickey=${K1}\nallowedips=10.100.0.2/32\n`;
    expect(peersInConfig(text)).toEqual([{ publicKey: K1, allowedIps: ['10.100.0.2/32'] }]);
    expect(peersInConfig(withoutPeer(text, K1))).toEqual([]);
  });

  it('when the file is a peers-only file (or empty), then peers are added and removed the same way', () => {
    const added = withPeer('', { publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(added).toBe(`[Peer]\nPublicKey = ${K1}\nAllowedIPs = 10.100.0.2/32\n`);
    expect(
      peersInConfig(withPeer(added, { publicKey: K2, allowedIp: '10.100.0.3/32' })).map((p) => p.publicKey),
    ).toEqual([K1, K2]);
  });

  it.each([
    [
      'a file whose key is set by a PostUp',
      '[Interface]\nListenPort = 51820\n\n[Peer]\nPublicKey = P\n',
      '[Interface]\nPrivateKey = LIVEKEY\nFwMark = 0xca6c\nListenPort = 51820\n\n[Peer]\nPublicKey = P\n',
    ],
    [
      'a peers-only file',
      '[Peer]\nPublicKey = P\n',
      '[Interface]\nPrivateKey = LIVEKEY\nListenPort = 41000\nFwMark = 0xca6c\n\n[Peer]\nPublicKey = P\n',
    ],
    [
      'a file with every key',
      '[Interface]\nPrivateKey = FILEKEY\nListenPort = 1\nFwMark = 0x1\n',
      '[Interface]\nPrivateKey = FILEKEY\nListenPort = 1\nFwMark = 0x1\n',
    ],
  ])(
    'when syncing %s, then the live private key, port and fwmark fill only what the file leaves out',
    (_name, stripped, want) => {
      const live = `[Interface]\nListenPort = 41000\nFwMark = 0xca6c\nPrivateKey = LIVEKEY\n\n[Peer]\nPublicKey = Q\n`;
      expect(withLiveInterfaceKeys(stripped, live)).toBe(want);
    },
  );

  it('when stripped, then wg-quick-only [Interface] keys go, in any case, and peers keep everything', () => {
    const text = `[Interface]\n  address = 10.100.0.1/24\nPrivateKey = k\nDNS = 1.1.1.1\nPostUp = iptables -A x # comment\nListenPort = 51820\n\n[Peer]\nPublicKey = ${K1}\nAllowedIPs = 10.100.0.2/32\n`;
    expect(stripWgQuick(text)).toBe(
      `[Interface]\nPrivateKey = k\nListenPort = 51820\n\n[Peer]\nPublicKey = ${K1}\nAllowedIPs = 10.100.0.2/32\n\n`,
    );
  });
});
