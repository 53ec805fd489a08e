/**
 * Kong's Admin API has no authentication of its own, and the master API (host network)
 * calls it at its address on the `kong-admin` network; the Studio Docker API proxy (creating
 * containers is root on the host) likewise at its address on `docker-studio`. The rendered
 * wg0.conf keeps both to the master API's uid: here, in a network namespace of its own with a
 * listener at each address, real iptables applies the rendered PostUp rules and processes of
 * other users (root, any other uid) try to connect.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { rootToolsSkipReason } from '../../test/support/tools.ts';
import { KONG_ADMIN_NETWORK, STUDIO_DOCKER_NETWORK } from '../master/compose.ts';
import { MASTER_API_UID } from '../master/keys.ts';
import { renderMasterWgConf } from '../master/wireguard.ts';
import { fleetSpec } from './fixtures/specs.ts';

const skip = rootToolsSkipReason(
  'network namespaces and iptables need root',
  ['iptables', 'ip', 'unshare', 'nsenter', 'setpriv', 'bash'],
  'the Kong Admin owner test',
);

/** What wg0.conf keeps to the master API's uid: Kong Admin and the Studio Docker API. */
const TARGETS = [
  { name: 'Kong Admin', address: KONG_ADMIN_NETWORK.kong, port: 8001, answer: 'kong-admin' },
  { name: 'the Studio Docker API', address: STUDIO_DOCKER_NETWORK.proxy, port: 2375, answer: 'docker-api' },
] as const;
type Target = (typeof TARGETS)[number];
let holder: ChildProcess;

/** Runs `args` inside the namespace, as `uid` when given. */
function inNs(args: readonly string[], uid?: number) {
  const as = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  return spawnSync('nsenter', [`--net=/proc/${holder.pid}/ns/net`, '--', ...as, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
}

/** What a TCP connection to the target reads, as `uid`; '' when refused. */
function connectAs(t: Target, uid: number): string {
  const r = inNs(
    ['bash', '-c', `exec 3<>/dev/tcp/${t.address}/${t.port} && head -c ${t.answer.length} <&3`],
    uid,
  );
  return r.status === 0 ? r.stdout : '';
}

/** The rendered wg0.conf's rule lines for the targets, run as wg-quick runs them (%i is wg0). */
function runRules(hook: 'PostUp' | 'PostDown'): void {
  const lines = renderMasterWgConf(resolveFleet(fleetSpec))
    .split('\n')
    .filter((l) => l.startsWith(`${hook} = `) && l.includes('OUTPUT'))
    .map((l) => l.slice(`${hook} = `.length).replaceAll('%i', 'wg0'));
  expect(lines).toHaveLength(TARGETS.length);
  for (const t of TARGETS)
    expect(lines.filter((l) => l.includes(`-d ${t.address}/32 -p tcp --dport ${t.port} `))).toHaveLength(1);
  for (const line of lines) {
    const r = inNs(['sh', '-c', line]);
    expect(r.status, r.stderr).toBe(0);
  }
}

describe.skipIf(skip !== undefined)('Kong Admin and the Studio Docker API on the master host', () => {
  beforeAll(async () => {
    const listen = TARGETS.map(
      (t) => `require('net').createServer((s) => s.end('${t.answer}')).listen(${t.port}, '${t.address}');`,
    ).join(' ');
    const addrs = TARGETS.map((t) => `ip addr add ${t.address}/32 dev lo`).join(' && ');
    holder = spawn(
      'unshare',
      ['--net', 'sh', '-c', `ip link set lo up && ${addrs} && exec '${process.execPath}' -e "${listen}"`],
      {
        stdio: 'ignore',
      },
    );
    // Ready when root connects to each (no rule yet): at most 10 s.
    for (let i = 0; !TARGETS.every((t) => connectAs(t, 0) === t.answer); i++) {
      if (i >= 50 || holder.exitCode !== null) throw new Error('the stand-ins did not listen');
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 30_000);

  afterAll(() => {
    if (holder?.exitCode === null) holder.kill('SIGKILL');
  });

  it.each(TARGETS)(
    'when the rule is absent, then any user on the host reaches $name (the lab can attack)',
    (t) => {
      expect(connectAs(t, 0)).toBe(t.answer);
      expect(connectAs(t, MASTER_API_UID + 1)).toBe(t.answer);
    },
  );

  it("when wg0.conf's rules are up, then only the master API's uid reaches Kong Admin and the Studio Docker API: root and other users are reset", () => {
    runRules('PostUp');
    try {
      for (const t of TARGETS) {
        expect(connectAs(t, MASTER_API_UID), t.name).toBe(t.answer);
        for (const uid of [0, MASTER_API_UID + 1, 65_534])
          expect(connectAs(t, uid), `${t.name}, uid ${uid}`).toBe('');
      }
    } finally {
      runRules('PostDown');
    }
    for (const t of TARGETS) expect(connectAs(t, 0)).toBe(t.answer);
  });
});
