/**
 * The master API opens sealed values with the fleet seal key at run time, as the master
 * image's `node` user. The key is installed with the command the rebuild summary prints (the
 * one `supafleet init` runs and `supafleet keygen` shows, all from cloud-init/master/keys.ts):
 * run for real here (as root, under a scratch directory), the file must be readable by the
 * API's uid and by no other unprivileged user.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rebuiltSummary } from '../../actions/master/src/summary.ts';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { rootToolsSkipReason } from '../../test/support/tools.ts';
import { masterFiles } from '../master/stack.ts';
import { MASTER_API_UID } from '../master/keys.ts';
import { fleetSpec } from './fixtures/specs.ts';

const skip = rootToolsSkipReason(
  'installing a file for another owner needs root',
  ['bash', 'setpriv'],
  'the seal key install test',
);
const KEY = `${'s'.repeat(43)}=`;

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-seal-key-'));
  // as /etc/supafleet on the master: anyone may enter it (fleet.yaml in it is world-readable)
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `cat`s `path` as `uid` (no supplementary groups); the exit code and what it printed. */
function readAs(uid: number, path: string): { code: number | null; out: string } {
  const r = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'cat', path], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { code: r.status, out: r.stdout };
}

describe.skipIf(skip !== undefined)("the master's seal key", () => {
  it("when the operator runs the printed install command, then the master API's uid reads the key and another user cannot", () => {
    const fleet = resolveFleet(fleetSpec);
    const summary = rebuiltSummary(
      fleet,
      { id: 1, name: 'prod-master' } as never,
      '203.0.113.9',
      'debian-12',
    );
    const line = summary.split('\n').find((l) => l.includes('/etc/supafleet/fleet-seal.key'));
    const m = /^\s*ssh \S+ 'sudo ([^']+)' < fleet-seal\.key$/.exec(line ?? '');
    expect(m, `an install command in: ${line}`).not.toBeNull();
    const command = m![1]!.replace('/etc/supafleet/', `${dir}/`);

    // stdin from a file: Node's stdio pipes are sockets, which /dev/stdin cannot open (ENXIO)
    writeFileSync(join(dir, 'key.in'), `${KEY}\n`, { mode: 0o600 });
    const stdin = openSync(join(dir, 'key.in'), 'r');
    const r = spawnSync('bash', ['-c', command], {
      stdio: [stdin, 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 10_000,
    });
    closeSync(stdin);
    expect(r.status, r.stderr).toBe(0);

    const path = join(dir, 'fleet-seal.key');
    expect(readFileSync(path, 'utf8')).toBe(`${KEY}\n`);
    expect(readAs(MASTER_API_UID, path)).toEqual({ code: 0, out: `${KEY}\n` });
    expect(readAs(MASTER_API_UID + 1, path).code).not.toBe(0);
    expect(statSync(path).mode & 0o077).toBe(0);
  });

  it("when the master stack is rendered, then the API runs as the image's user and sees the key read-only", () => {
    const compose = parse(
      masterFiles(resolveFleet(fleetSpec)).get('/opt/supafleet-master/docker-compose.yml')!,
    ) as {
      services: { master: { user?: string; volumes: string[]; environment: Record<string, string> } };
    };
    const master = compose.services.master;
    // No user override: the image's `USER node` (uid 1000) applies.
    expect(master.user).toBeUndefined();
    expect(readFileSync(new URL('../../master/Dockerfile', import.meta.url), 'utf8')).toMatch(/^USER node$/m);
    expect(master.environment.SUPAFLEET_SEAL_PRIVATE_KEY_FILE).toBe('/etc/supafleet/fleet-seal.key');
    expect(master.volumes).toContain('/etc/supafleet:/etc/supafleet:ro');
  });
});
