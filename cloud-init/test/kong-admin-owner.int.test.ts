/**
 * Kong's Admin API has no authentication of its own, and the master API (host network)
 * calls it at its address on the `kong-admin` network. The rendered wg0.conf keeps it to
 * the master API's uid: here, in a network namespace of its own with a listener at Kong
 * Admin's address, real iptables applies the rendered PostUp rule and processes of other
 * users (root, any other uid) try to connect.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { toolsSkipReason } from '../../test/support/tools.ts';
import { KONG_ADMIN_NETWORK } from '../master/compose.ts';
import { MASTER_API_UID } from '../master/keys.ts';
import { renderMasterWgConf } from '../master/wireguard.ts';
import { fleetSpec } from './fixtures/specs.ts';

const skip =
  process.getuid?.() !== 0 && process.env.CI !== 'true'
    ? 'network namespaces and iptables need root'
    : toolsSkipReason(
        ['iptables', 'ip', 'unshare', 'nsenter', 'setpriv', 'bash'],
        'the Kong Admin owner test',
      );

const ADDRESS = KONG_ADMIN_NETWORK.kong;
const ANSWER = 'kong-admin';
let holder: ChildProcess;

/** Runs `args` inside the namespace, as `uid` when given. */
function inNs(args: readonly string[], uid?: number) {
  const as = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  return spawnSync('nsenter', [`--net=/proc/${holder.pid}/ns/net`, '--', ...as, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
}

/** What a TCP connection to Kong Admin's address reads, as `uid`; '' when refused. */
function connectAs(uid: number): string {
  const r = inNs(['bash', '-c', `exec 3<>/dev/tcp/${ADDRESS}/8001 && head -c ${ANSWER.length} <&3`], uid);
  return r.status === 0 ? r.stdout : '';
}

/** The rendered wg0.conf's rule lines for Kong Admin, run as wg-quick runs them (%i is wg0). */
function runRule(hook: 'PostUp' | 'PostDown'): void {
  const lines = renderMasterWgConf(resolveFleet(fleetSpec))
    .split('\n')
    .filter((l) => l.startsWith(`${hook} = `) && l.includes('OUTPUT'))
    .map((l) => l.slice(`${hook} = `.length).replaceAll('%i', 'wg0'));
  expect(lines).toHaveLength(1);
  const r = inNs(['sh', '-c', lines[0]!]);
  expect(r.status, r.stderr).toBe(0);
}

describe.skipIf(skip !== undefined)('Kong Admin on the master host', () => {
  beforeAll(async () => {
    const server = `require('net').createServer((s) => s.end('${ANSWER}')).listen(8001, '${ADDRESS}')`;
    holder = spawn(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        `ip link set lo up && ip addr add ${ADDRESS}/32 dev lo && exec '${process.execPath}' -e "${server}"`,
      ],
      { stdio: 'ignore' },
    );
    // Ready when root connects (no rule yet): at most 10 s.
    for (let i = 0; connectAs(0) !== ANSWER; i++) {
      if (i >= 50 || holder.exitCode !== null) throw new Error('the Kong Admin stand-in did not listen');
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 30_000);

  afterAll(() => {
    if (holder?.exitCode === null) holder.kill('SIGKILL');
  });

  it('when the rule is absent, then any user on the host reaches Kong Admin (the lab can attack)', () => {
    expect(connectAs(0)).toBe(ANSWER);
    expect(connectAs(MASTER_API_UID + 1)).toBe(ANSWER);
  });

  it("when wg0.conf's rule is up, then only the master API's uid reaches Kong Admin: root and other users are reset", () => {
    runRule('PostUp');
    try {
      expect(connectAs(MASTER_API_UID)).toBe(ANSWER);
      for (const uid of [0, MASTER_API_UID + 1, 65_534]) expect(connectAs(uid), `uid ${uid}`).toBe('');
    } finally {
      runRule('PostDown');
    }
    expect(connectAs(0)).toBe(ANSWER);
  });
});
