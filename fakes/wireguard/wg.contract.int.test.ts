import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWgDump } from '../../master/src/wireguard/dump.ts';
import { processRunner } from '../../master/src/wireguard/runner.ts';
import {
  startWgPair,
  wgKeypair,
  wgPairSkipReason,
  type WgPair,
} from '../../master/src/wireguard/test/wg-pair.ts';
import { FakeWg } from './wg.ts';

/**
 * The contract of the fake `wg`: the same `wg set` lines run against the fake and against real
 * wg (wireguard-tools) on a wireguard-go interface in a network namespace this test creates, and
 * after each step both dumps must say the same (peer lines compared as a set: wireguard-go lists
 * peers in Go map order, CONFORMANCE.md "dump").
 */
const skipReason = await wgPairSkipReason();
if (skipReason && process.env.CI !== 'true') console.log(`skipping WireGuard contract test: ${skipReason}`);
const suite = skipReason && process.env.CI !== 'true' ? describe.skip : describe;

suite('fake wg against wg + wireguard-go', () => {
  const run = processRunner({ timeoutMs: 20_000 });
  let pair: WgPair;
  let fake: FakeWg;
  let dir: string;
  const k1 = wgKeypair().publicKey;
  const k2 = wgKeypair().publicKey;
  const k3 = wgKeypair().publicKey;
  const psk = wgKeypair().publicKey;

  beforeAll(async () => {
    if (skipReason) throw new Error(`CI=true, so this test must run, but it ${skipReason}`);
    pair = await startWgPair();
    fake = new FakeWg({ iface: pair.ifMaster, privateKey: pair.master.privateKey, listenPort: 51820 });
    dir = await mkdtemp(join(tmpdir(), 'wgcontract-'));
    await writeFile(join(dir, 'psk'), `${psk}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await pair?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  type Outcome = { ok: true; stderr: string } | { ok: false; exitCode: number | null; stderr: string };
  const real = async (args: string[]): Promise<Outcome> => {
    try {
      const r = await run.run('ip', ['netns', 'exec', pair.nsMaster, 'wg', ...args]);
      return { ok: true, stderr: r.stderr };
    } catch (err) {
      const e = err as { exitCode: number | null; stderr: string };
      return { ok: false, exitCode: e.exitCode, stderr: e.stderr };
    }
  };
  const faked = async (args: string[]): Promise<Outcome> => {
    try {
      const r = await fake.run('wg', args);
      return { ok: true, stderr: r.stderr };
    } catch (err) {
      const e = err as { exitCode: number | null; stderr: string };
      return { ok: false, exitCode: e.exitCode, stderr: e.stderr };
    }
  };
  /** The dump as [interface line, sorted peer lines]. */
  const dumpOf = (text: string): [string, string[]] => {
    const lines = text.split('\n').filter((l) => l !== '');
    return [lines[0]!, lines.slice(1).sort()];
  };

  /** Runs `wg set <if> …args` on both, then compares the outcome and the dumps. */
  async function step(...args: string[]): Promise<void> {
    const line = ['set', pair.ifMaster, ...args];
    const [r, f] = [await real(line), await faked(line)];
    expect(f).toEqual(r);
    const realDump = (
      await run.run('ip', ['netns', 'exec', pair.nsMaster, 'wg', 'show', pair.ifMaster, 'dump'])
    ).stdout;
    const fakeDump = (await fake.run('wg', ['show', pair.ifMaster, 'dump'])).stdout;
    expect(dumpOf(fakeDump)).toEqual(dumpOf(realDump));
    expect(parseWgDump(fakeDump)).toEqual(parseWgDump(realDump));
  }

  it('when the interface has no peers, then both dumps are the interface line alone (private key first)', async () => {
    const realDump = (
      await run.run('ip', ['netns', 'exec', pair.nsMaster, 'wg', 'show', pair.ifMaster, 'dump'])
    ).stdout;
    expect(dumpOf((await fake.run('wg', ['show', pair.ifMaster, 'dump'])).stdout)).toEqual(dumpOf(realDump));
    expect(realDump.split('\t')[0]).toBe(pair.master.privateKey);
  });

  it('when peers are added, then each has one line of 8 fields; allowed-ips set again replaces the list', async () => {
    await step('peer', k1, 'allowed-ips', '10.100.0.2/32');
    await step('peer', k2, 'allowed-ips', '10.100.0.3/32,10.100.0.4/32');
    await step('peer', k1, 'allowed-ips', '10.100.0.5/32');
  });

  it("when a peer is given another peer's prefix, then the prefix moves to it", async () => {
    await step('peer', k2, 'allowed-ips', '10.100.0.5/32');
  });

  it('when a prefix has host bits, then both store it masked and warn alike', async () => {
    await step('peer', k1, 'allowed-ips', '10.100.0.9/24');
  });

  it('when an empty allowed-ips is set, then the peer keeps none', async () => {
    await step('peer', k1, 'allowed-ips', '');
  });

  it('when a preshared key, an endpoint and a keepalive are set, then both dumps show them', async () => {
    await step('peer', k3, 'preshared-key', join(dir, 'psk'), 'endpoint', '192.0.2.7:51820');
    await step('peer', k1, 'persistent-keepalive', '25');
    await step('peer', k1, 'persistent-keepalive', 'off');
  });

  it("when a peer carries the interface's own public key, then it is ignored", async () => {
    await step('peer', pair.master.publicKey, 'allowed-ips', '10.100.0.77/32');
  });

  it('when a peer is removed, and removed again, then it is gone and both succeed', async () => {
    await step('peer', k2, 'remove');
    await step('peer', k2, 'remove');
  });

  it('when a line holds a malformed key or an unknown word, then both exit 1 with the same message and apply nothing', async () => {
    await step('peer', k3, 'allowed-ips', '10.100.0.8/32', 'peer', 'short');
    await step('peer', k3, 'bogus');
    await step('peer', k3, 'allowed-ips', '10.100.0.300/32');
    await step('peer', k3, 'persistent-keepalive', 'often');
  });

  it('when asked for the public key, then both answer the same line', async () => {
    const r = await run.run('ip', [
      'netns',
      'exec',
      pair.nsMaster,
      'wg',
      'show',
      pair.ifMaster,
      'public-key',
    ]);
    expect((await fake.run('wg', ['show', pair.ifMaster, 'public-key'])).stdout).toBe(r.stdout);
  });
});
