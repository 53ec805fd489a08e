import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeWg, wgPublicKey } from './wg.ts';

/** Unit checks of the fake `wg`; `wg.contract.int.test.ts` runs the same lines against real wg. */
const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const K1 = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const K2 = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';
const dir = mkdtempSync(join(tmpdir(), 'fakewg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const make = () => new FakeWg({ iface: 'wg0', privateKey: PRIVATE, listenPort: 51820 });
const lines = async (wg: FakeWg) => (await wg.run('wg', ['show', 'wg0', 'dump'])).stdout.split('\n');

describe('fake wg: show dump', () => {
  it('when the interface has no peers, then the dump is one line: private key, public key, port, fwmark off', async () => {
    expect(await lines(make())).toEqual([`${PRIVATE}\t${wgPublicKey(PRIVATE)}\t51820\toff`, '']);
  });

  it('when a peer is added, then its line has 8 tab-separated fields with (none), 0 and off where unset', async () => {
    const wg = make();
    await wg.run('wg', ['set', 'wg0', 'peer', K1, 'allowed-ips', '10.100.0.2/32']);
    expect((await lines(wg))[1]).toBe(`${K1}\t(none)\t(none)\t10.100.0.2/32\t0\t0\t0\toff`);
  });
});

describe('fake wg: set', () => {
  it('when allowed-ips is set again, then it replaces the list; a prefix another peer holds moves', async () => {
    const wg = make();
    await wg.run('wg', ['set', 'wg0', 'peer', K1, 'allowed-ips', '10.100.0.2/32,10.100.0.3/32']);
    await wg.run('wg', ['set', 'wg0', 'peer', K1, 'allowed-ips', '10.100.0.4/32']);
    await wg.run('wg', ['set', 'wg0', 'peer', K2, 'allowed-ips', '10.100.0.4']);
    const dump = await lines(wg);
    expect(dump[1]!.split('\t')[3]).toBe('(none)');
    expect(dump[2]!.split('\t')[3]).toBe('10.100.0.4/32');
  });

  it('when a prefix has host bits, then it is stored masked and wg warns on stderr', async () => {
    const wg = make();
    const r = await wg.run('wg', ['set', 'wg0', 'peer', K1, 'allowed-ips', '10.100.0.9/24']);
    expect(r.stderr).toBe('Warning: AllowedIP has nonzero host part: 10.100.0.9/24\n');
    expect((await lines(wg))[1]!.split('\t')[3]).toBe('10.100.0.0/24');
  });

  it('when a peer is removed, twice, then it is gone and the second removal succeeds', async () => {
    const wg = make();
    await wg.run('wg', ['set', 'wg0', 'peer', K1]);
    await wg.run('wg', ['set', 'wg0', 'peer', K1, 'remove']);
    await wg.run('wg', ['set', 'wg0', 'peer', K1, 'remove']);
    expect(await lines(wg)).toHaveLength(2);
  });

  it("when a peer carries the interface's own public key, then it is ignored", async () => {
    const wg = make();
    await wg.run('wg', ['set', 'wg0', 'peer', wgPublicKey(PRIVATE), 'allowed-ips', '10.100.0.2/32']);
    expect(await lines(wg)).toHaveLength(2);
  });

  it('when a key is malformed, then wg exits 1 with its message and nothing of the line is applied', async () => {
    const wg = make();
    await expect(
      wg.run('wg', ['set', 'wg0', 'peer', K1, 'allowed-ips', '10.100.0.2/32', 'peer', 'short']),
    ).rejects.toMatchObject({ exitCode: 1, stderr: "Key is not the correct length or format: `short'\n" });
    await expect(wg.run('wg', ['set', 'wg0', 'peer', K1, 'bogus'])).rejects.toMatchObject({
      stderr: 'Invalid argument: bogus\n',
    });
    expect(await lines(wg)).toHaveLength(2);
  });

  it('when a preshared key, an endpoint and a keepalive are set, then the dump shows them; keepalive off clears it', async () => {
    const wg = make();
    const psk = join(dir, 'psk');
    writeFileSync(psk, `${K2}\n`);
    await wg.run('wg', [
      'set',
      'wg0',
      'peer',
      K1,
      'preshared-key',
      psk,
      'endpoint',
      '192.0.2.1:51820',
      'persistent-keepalive',
      '25',
    ]);
    expect((await lines(wg))[1]).toBe(`${K1}\t${K2}\t192.0.2.1:51820\t(none)\t0\t0\t0\t25`);
    await wg.run('wg', ['set', 'wg0', 'peer', K1, 'persistent-keepalive', 'off']);
    expect((await lines(wg))[1]!.split('\t')[7]).toBe('off');
  });
});
