import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signCommand } from '../../core/command/sign.ts';
import { freePort, stackFiles, world, type World } from './harness.ts';
import { waitFor, type ReceivedHeartbeat } from './master-standin.ts';

let w: World | undefined;
afterEach(async () => {
  if (!w) return;
  const { logs, master, secrets } = w;
  await w.close();
  w = undefined;
  // Whatever a test did, no secret reached a log line or the master outside the sealed bundle.
  const outputs = [...logs, ...master.bodies].join('\n');
  for (const s of secrets)
    expect(outputs.includes(s), 'a secret value leaked into logs or requests').toBe(false);
  expect(master.violations.slice(0, 3)).toEqual([]);
});

const last = (w: World): ReceivedHeartbeat | undefined => w.master.heartbeats.at(-1);
const svc = (hb: ReceivedHeartbeat | undefined, name: string) => hb?.services.find((s) => s.name === name);
const allHealthy = (hb: ReceivedHeartbeat | undefined, revision: number) =>
  hb?.apply.state === 'applied' &&
  hb.apply.revision === revision &&
  hb.services.length > 0 &&
  hb.services.every((s) => s.state === 'healthy');

async function twoServices() {
  return { rest: { port: await freePort() }, auth: { port: await freePort() } };
}

describe('worker agent against a master stand-in (process runtime)', () => {
  it('when the master publishes a bundle, then the agent converges and reports every service healthy', async () => {
    const services = await twoServices();
    const crontab = '# schedule\nSHELL=/bin/bash\n0 3 * * * root /opt/supafleet/current/backup/backup.sh\n';
    w = await world((env) => stackFiles(services, env, { 'backup/crontab': crontab }));
    const hb = await waitFor('a healthy heartbeat for revision 1', () => allHealthy(last(w!), 1) && last(w!));
    expect(w.handle.agent.backupSchedule()).toBe('0 3 * * *');
    expect(hb.services.map((s) => s.name)).toEqual(['auth', 'rest']);
    expect(hb.apply).toEqual({ state: 'applied', revision: 1, running_revision: 1 });
    expect(hb['wg']).toEqual({ handshake_age_s: 7 });
    expect(await readlink(join(w.stateDir, 'current'))).toBe('revisions/1');
    const envStat = await stat(join(w.stateDir, 'revisions/1/.env'));
    expect(envStat.mode & 0o777).toBe(0o600);
    expect((await stat(join(w.stateDir, 'revisions/1/standins.json'))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(w.stateDir, 'current/.env'), 'utf8')).toContain(w.env['POSTGRES_PASSWORD']);
  });

  it('when a file one service mounts changes, then only that service restarts', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    const before = w.runtime.pids();
    await w.master.publish(2, stackFiles(services, w.env, { 'config/auth.conf': 'auth settings v2\n' }));
    await waitFor('revision 2 healthy', () => allHealthy(last(w!), 2));
    const after = w.runtime.pids();
    expect(after['rest']).toBe(before['rest']);
    expect(after['auth']).not.toBe(before['auth']);
    expect(w.logs.some((l) => l.includes('"service":"auth"') && l.includes('a file it mounts changed'))).toBe(
      true,
    );
  });

  it('when a revision fails to start, then the agent rolls back and reports the failure and the revision still running', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    const pidRest = w.runtime.pids()['rest'];
    await w.master.publish(
      2,
      stackFiles({ ...services, auth: { ...services.auth, program: 'missing.mjs' } }, w.env),
    );
    const failed = await waitFor('a failed apply of revision 2', () => {
      const hb = last(w!);
      return hb?.apply.state === 'failed' && hb.services.every((s) => s.state === 'healthy') && hb;
    });
    expect(failed.apply).toMatchObject({ state: 'failed', revision: 2, running_revision: 1 });
    expect(failed.apply.error).toMatch(/service auth exited with code 1 before listening/);
    expect(await readlink(join(w.stateDir, 'current'))).toBe('revisions/1');
    expect(w.runtime.pids()['rest']).toBe(pidRest);
    expect(w.logs.some((l) => l.includes('rolled back to the previous revision'))).toBe(true);

    await w.master.publish(3, stackFiles(services, w.env, { 'extra.txt': 'three' }));
    await waitFor('revision 3 healthy', () => allHealthy(last(w!), 3));
    expect(await readlink(join(w.stateDir, 'current'))).toBe('revisions/3');
    expect(w.runtime.pids()['rest']).toBe(pidRest);
  });

  it('when an apply takes long, then heartbeats keep coming and say applying until it is done', async () => {
    const services = await twoServices();
    let gate = '';
    w = await world((env, dir) => {
      gate = join(dir, 'gate');
      return stackFiles(services, env);
    });
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    const slow = [
      "import { existsSync } from 'node:fs';",
      `for (let i = 0; i < 400 && !existsSync(${JSON.stringify(gate)}); i++) await new Promise((r) => setTimeout(r, 25));`,
      "await import('./standin.mjs');",
    ].join('\n');
    await w.master.publish(
      2,
      stackFiles({ ...services, rest: { ...services.rest, program: 'slow.mjs' } }, w.env, {
        'slow.mjs': slow,
      }),
    );
    await waitFor('two heartbeats saying applying', () => {
      const applying = w!.master.heartbeats.filter(
        (h) => h.apply.state === 'applying' && h.apply.revision === 2,
      );
      return applying.length >= 2;
    });
    await writeFile(gate, '');
    await waitFor('revision 2 healthy', () => allHealthy(last(w!), 2));
  });

  it('when a service turns unhealthy and then goes down, then heartbeats say so, and a restart command brings it back healthy', async () => {
    const flag = join(await import('node:os').then((o) => o.tmpdir()), `sf-unhealthy-${randomUUID()}`);
    const services = {
      rest: { port: await freePort(), unhealthyFile: flag },
      auth: { port: await freePort() },
    };
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));

    await writeFile(flag, '1');
    try {
      const sick = await waitFor(
        'rest unhealthy',
        () => svc(last(w!), 'rest')?.state === 'unhealthy' && last(w!),
      );
      expect(svc(sick, 'rest')?.detail).toBe('probe GET /health answered 503');
      expect(svc(sick, 'auth')?.state).toBe('healthy');
    } finally {
      await import('node:fs/promises').then((f) => f.rm(flag, { force: true }));
    }

    process.kill(w.runtime.pids()['rest']!, 'SIGKILL');
    const down = await waitFor('rest down', () => svc(last(w!), 'rest')?.state === 'down' && last(w!));
    expect(svc(down, 'rest')?.detail).toMatch(/^container exited/);

    const res = await w.command({ id: randomUUID(), type: 'restart', service: 'rest' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'succeeded' });
    await waitFor('all healthy again', () => allHealthy(last(w!), 1));
  });

  it('when told to restart all services, then every stand-in gets a new process; an unknown service fails', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    const before = w.runtime.pids();
    const res = await w.command({ id: randomUUID(), type: 'restart' });
    expect(await res.json()).toMatchObject({ state: 'succeeded' });
    const after = w.runtime.pids();
    expect(after['rest']).not.toBe(before['rest']);
    expect(after['auth']).not.toBe(before['auth']);

    const bad = await w.command({ id: 'c-2', type: 'restart', service: 'nosuch' });
    expect(await bad.json()).toEqual({
      id: 'c-2',
      state: 'failed',
      duration_s: expect.any(Number),
      error: 'no service "nosuch"; expected one of auth, rest',
    });
  });

  it('when a backup succeeds, then the agent answers 202, refuses a second at the same time, and posts the snapshot id', async () => {
    const services = await twoServices();
    let gate = '';
    w = await world((env, dir) => {
      gate = join(dir, 'gate');
      const script = [
        '#!/bin/sh',
        'set -eu',
        `i=0; while [ ! -f '${gate}' ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done`,
        'printf \'{"success":true,"finished_at":"2026-11-24T03:00:41Z","duration_s":1,"snapshot_id":"4f1a2b3c","size_bytes":1048576,"error":null}\' > "$BACKUP_STATUS_FILE"',
      ].join('\n');
      return stackFiles(services, env, { 'backup/backup.sh': script });
    });
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    await import('node:fs/promises').then((f) => f.mkdir(join(w!.stateDir, 'backup'), { recursive: true }));

    const id = randomUUID();
    const res = await w.command({ id, type: 'backup' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id, state: 'running' });
    const busy = await w.command({ id: randomUUID(), type: 'backup' });
    expect(busy.status).toBe(409);
    await writeFile(gate, '');

    const result = await waitFor('the backup result', () => w!.master.results.find((r) => r['id'] === id));
    expect(result).toMatchObject({ id, state: 'succeeded', snapshot_id: '4f1a2b3c', size_bytes: 1048576 });
    const hb = await waitFor(
      'a heartbeat with the backup status',
      () => last(w!)?.backup?.success && last(w!),
    );
    expect(hb.backup).toMatchObject({ success: true, snapshot_id: '4f1a2b3c' });
  });

  it('when a backup fails, then the failure and its reason reach the master with secret values scrubbed', async () => {
    const services = await twoServices();
    w = await world((env) => {
      const script = [
        '#!/bin/sh',
        `printf '{"success":false,"finished_at":"2026-11-24T03:00:41Z","duration_s":1,"snapshot_id":null,"size_bytes":null,"error":"restic: wrong password ${env['RESTIC_PASSWORD']} (db ${env['POSTGRES_PASSWORD']})"}' > "$BACKUP_STATUS_FILE"`,
        'exit 3',
      ].join('\n');
      return stackFiles(services, env, { 'backup/backup.sh': script });
    });
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    await import('node:fs/promises').then((f) => f.mkdir(join(w!.stateDir, 'backup'), { recursive: true }));
    const id = randomUUID();
    expect((await w.command({ id, type: 'backup' })).status).toBe(202);
    const result = await waitFor('the backup result', () => w!.master.results.find((r) => r['id'] === id));
    expect(result).toMatchObject({
      id,
      state: 'failed',
      error: 'restic: wrong password [redacted] (db [redacted])',
    });
    const hb = await waitFor(
      'a heartbeat with the failed backup',
      () => last(w!)?.backup?.success === false && last(w!),
    );
    expect(hb.backup?.error).toBe('restic: wrong password [redacted] (db [redacted])');
  });

  it('when a command is unsigned, badly signed, stale or replayed, then it is refused with 401 and logged', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    const body = { id: randomUUID(), type: 'restart' };
    const text = JSON.stringify(body);
    const key = w.config.commandKey.reveal();
    const staleHeaders = signCommand({
      method: 'POST',
      path: '/v1/commands',
      body: text,
      key,
      nowMs: Date.now() - 120_000,
    });
    const badHeaders = signCommand({
      method: 'POST',
      path: '/v1/commands',
      body: text,
      key: 'x'.repeat(43),
      nowMs: Date.now(),
    });
    const good = signCommand({ method: 'POST', path: '/v1/commands', body: text, key, nowMs: Date.now() });
    const before = w.runtime.pids();

    const cases: [string, Promise<Response>][] = [
      ['unsigned', w.command(body, { sign: false })],
      ['bad-signature', w.command(body, { sign: false, headers: badHeaders })],
      ['stale', w.command(body, { sign: false, headers: staleHeaders })],
    ];
    for (const [reason, pending] of cases) {
      const res = await pending;
      expect(res.status, reason).toBe(401);
      expect(await res.json()).toEqual({ error: { code: reason, message: `command refused: ${reason}` } });
    }
    expect((await w.command(body, { sign: false, headers: good })).status).toBe(200);
    const replay = await w.command(body, { sign: false, headers: good });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'replayed' } });

    const refused = w.logs
      .map((l) => JSON.parse(l) as { msg: string; reason?: string })
      .filter((l) => l.msg === 'command refused');
    expect(refused.map((l) => l.reason)).toEqual(['unsigned', 'bad-signature', 'stale', 'replayed']);
    expect(w.runtime.pids()['rest']).not.toBe(before['rest']);
  });

  it('when a signed command comes from an address other than the master, then it is refused with 403', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    const text = JSON.stringify({ id: randomUUID(), type: 'restart' });
    const headers = signCommand({
      method: 'POST',
      path: '/v1/commands',
      body: text,
      key: w.config.commandKey.reveal(),
      nowMs: Date.now(),
    });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: w!.handle.port,
          localAddress: '127.0.0.2',
          method: 'POST',
          path: '/v1/commands',
          headers,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(text);
    });
    expect(status).toBe(403);
    expect(w.logs.some((l) => l.includes('"reason":"source"') && l.includes('127.0.0.2'))).toBe(true);
  });

  it('when a bundle has paths that climb out or are absolute, then it is refused and nothing is written outside', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    await w.master.publish(
      2,
      stackFiles(services, w.env, {
        '../escape.txt': 'x',
        'a/../../escape2.txt': 'x',
        [join(w.dir, 'abs.txt')]: 'x',
      }),
    );
    const hb = await waitFor('a refused revision 2', () => last(w!)?.apply.state === 'failed' && last(w!));
    expect(hb.apply).toMatchObject({ revision: 2, running_revision: 1 });
    expect(hb.apply.error).toContain('path "../escape.txt" contains ".."');
    expect(hb.apply.error).toContain('path "a/../../escape2.txt" contains ".."');
    expect(hb.apply.error).toContain('is absolute');
    expect(existsSync(join(w.stateDir, 'escape.txt'))).toBe(false);
    expect(existsSync(join(w.dir, 'escape2.txt'))).toBe(false);
    expect(existsSync(join(w.dir, 'abs.txt'))).toBe(false);
    expect((await readdir(join(w.stateDir, 'revisions'))).sort()).toEqual(['1']);
    expect(allHealthy({ ...hb, apply: { ...hb.apply, state: 'applied', revision: 1 } }, 1)).toBe(true);
  });

  it('when the master is unreachable, then the agent backs off, and its first heartbeat after recovery carries the current state', async () => {
    const flag = join(await import('node:os').then((o) => o.tmpdir()), `sf-unhealthy-${randomUUID()}`);
    const services = {
      rest: { port: await freePort(), unhealthyFile: flag },
      auth: { port: await freePort() },
    };
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    await w.master.stop();
    const count = w.master.heartbeats.length;
    const tries = (): number => w!.attempts['/v1/agent/heartbeat'] ?? 0;
    const before = tries();
    await waitFor('three failed heartbeats', () => tries() >= before + 3);
    await writeFile(flag, '1');
    try {
      // Two more failures: the cycle running when the master returns collected its state after the flag.
      const seen = tries();
      await waitFor('two more failed heartbeats', () => tries() >= seen + 2);
      await w.master.start();
      const first = await waitFor('a heartbeat after recovery', () => w!.master.heartbeats[count]);
      expect(svc(first, 'rest')?.state).toBe('unhealthy');
      // The outage is logged when it starts and when it ends, not once per try.
      const msgs = w.logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(msgs.filter((m) => m === 'heartbeat failed; backing off')).toHaveLength(1);
      expect(msgs.filter((m) => m === 'master reachable again')).toHaveLength(1);
    } finally {
      await import('node:fs/promises').then((f) => f.rm(flag, { force: true }));
    }
  });
});

describe('worker agent: reporting promptly, backing off politely', () => {
  /** Long enough that any heartbeat but the first is one the agent sent at once. */
  const LONG = 600_000;
  const states = (w: World): string[] =>
    w.master.heartbeats.map((h) => `${h.apply.state} ${h.apply.revision}`);

  it('when a new revision is applied, then the master sees it in an immediate heartbeat, not after the interval', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env), { intervalMs: LONG });
    await waitFor('revision 1 applied', () => last(w!)?.apply.state === 'applied');
    await w.master.publish(2, stackFiles(services, w.env, { 'config/auth.conf': 'auth settings v2\n' }));
    const res = await w.command({ id: randomUUID(), type: 'refetch' });
    expect(await res.json()).toMatchObject({ state: 'succeeded' });
    await waitFor('revision 2 applied', () => last(w!)?.apply.revision === 2);
    // The first heartbeat at start, then one per apply: no interval passed, and no extra.
    expect(states(w)).toEqual(['none 0', 'applied 1', 'applied 2']);
    expect(last(w)?.apply).toEqual({ state: 'applied', revision: 2, running_revision: 2 });
  });

  it('when an apply fails, then the failure is reported at once too', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env), { intervalMs: LONG });
    await waitFor('revision 1 applied', () => last(w!)?.apply.state === 'applied');
    await w.master.publish(
      2,
      stackFiles({ ...services, auth: { ...services.auth, program: 'missing.mjs' } }, w.env),
    );
    await w.command({ id: randomUUID(), type: 'refetch' });
    await waitFor('revision 2 failed', () => last(w!)?.apply.state === 'failed');
    expect(states(w)).toEqual(['none 0', 'applied 1', 'failed 2']);
  });

  it.each([
    [
      'succeeds',
      '{"success":true,"finished_at":"2026-11-24T03:00:41Z","duration_s":1,"snapshot_id":"9e8d7c6b","size_bytes":2048,"error":null}',
      0,
      { success: true, snapshot_id: '9e8d7c6b' },
    ],
    [
      'fails',
      '{"success":false,"finished_at":"2026-11-24T03:00:41Z","duration_s":1,"snapshot_id":null,"size_bytes":null,"error":"repository locked"}',
      3,
      { success: false, error: 'repository locked' },
    ],
  ])(
    'when a backup %s, then its status is reported at once in one heartbeat',
    async (_, status, code, want) => {
      const services = await twoServices();
      w = await world(
        (env) =>
          stackFiles(services, env, {
            'backup/backup.sh': `#!/bin/sh\nprintf '%s' '${status}' > "$BACKUP_STATUS_FILE"\nexit ${code}\n`,
          }),
        { intervalMs: LONG },
      );
      await waitFor('revision 1 applied', () => last(w!)?.apply.state === 'applied');
      const count = w.master.heartbeats.length;
      const id = randomUUID();
      expect((await w.command({ id, type: 'backup' })).status).toBe(202);
      const hb = await waitFor('a heartbeat with the backup status', () => w!.master.heartbeats[count]);
      expect(hb.backup).toMatchObject(want);
      await waitFor('the backup result', () => w!.master.results.find((r) => r['id'] === id));
      expect(w.master.heartbeats).toHaveLength(count + 1);
    },
  );

  it('when the bundle endpoint fails, then the agent retries with growing waits, without extra heartbeats, and applies once it answers', async () => {
    const services = await twoServices();
    const backoff = { baseMs: 20, capMs: 160 };
    w = await world((env) => stackFiles(services, env), {
      intervalMs: LONG,
      backoff,
      random: () => 0.999999,
      failBundle: 6,
    });
    await waitFor('revision 1 applied', () => last(w!)?.apply.state === 'applied');
    expect(w.master.bundleRequests).toBe(7);
    // Each failure earns a wait just below its ceiling (20, 40, 80, 160 ms, then capped); the success resets.
    expect(w.sleeps.filter((ms) => ms < 1_000)).toEqual([19, 39, 79, 159, 159, 159]);
    expect(w.handle.agent.fetchFailures).toBe(0);
    // Failed fetches ask for no heartbeat; the apply asks for one.
    expect(states(w)).toEqual(['none 0', 'applied 1']);
    const msgs = w.logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs.filter((m) => m === 'could not fetch the bundle; backing off')).toHaveLength(1);
    expect(msgs.filter((m) => m === 'bundle fetched again')).toHaveLength(1);
  });

  it('when the config sets heartbeat_interval_s, then the agent waits that long between heartbeats', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env), { configIntervalS: 1, random: () => 0.5 });
    await waitFor('revision 1 applied', () => last(w!)?.apply.state === 'applied');
    const count = w.master.heartbeats.length;
    await waitFor('two regular heartbeats', () => w!.master.heartbeats.length >= count + 2, 10_000);
    const started = w.logs
      .map((l) => JSON.parse(l) as { msg: string })
      .find((l) => l.msg === 'agent started');
    expect(started).toMatchObject({ heartbeat_interval_s: 1 });
    expect(w.sleeps.filter((ms) => ms === 1_000).length).toBeGreaterThanOrEqual(2);
    expect(w.sleeps.some((ms) => ms >= 27_000 && ms <= 33_000)).toBe(false);
  });
});

describe('worker agent restarts', () => {
  it('when the agent restarts, then it brings up the revision on disk and reports it applied without refetching', async () => {
    const services = await twoServices();
    w = await world((env) => stackFiles(services, env));
    await waitFor('revision 1 healthy', () => allHealthy(last(w!), 1));
    await w.restartAgent();
    const count = w.master.heartbeats.length;
    const hb = await waitFor('a healthy heartbeat from the new agent', () => {
      const later = w!.master.heartbeats.slice(count);
      return later.find((h) => allHealthy(h, 1));
    });
    expect(hb.apply).toEqual({ state: 'applied', revision: 1, running_revision: 1 });
    expect(w.logs.filter((l) => l.includes('"msg":"applying bundle"'))).toHaveLength(1);
    expect(w.logs.some((l) => l.includes('running the revision found on disk'))).toBe(true);
  });
});
