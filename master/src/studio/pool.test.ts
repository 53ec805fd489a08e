import { describe, expect, it } from 'vitest';
import { Secret } from '../../../core/seal/secret.ts';
import { createStudioPool, type StudioPoolOptions } from './pool.ts';
import type { StudioPlacement, StudioRuntime } from './runtime.ts';
import { studioSettings, type StudioSettings } from './settings.ts';

/** A runtime that records what the pool asks of it; containers "answer" once `up` holds their port. */
function recorder(opts: { failStart?: string } = {}) {
  const calls: string[] = [];
  const up = new Set<number>();
  const containers = new Map<string, number>();
  const runtime: StudioRuntime = {
    async start(s: StudioSettings, at: StudioPlacement) {
      calls.push(`start ${s.container} :${at.port} ${at.memoryMb}m`);
      if (opts.failStart === s.project)
        throw new Error(`Docker did not create ${s.container}: 404 No such image`);
      if ([...containers.values()].includes(at.port)) throw new Error(`port ${at.port} is still taken`);
      containers.set(s.container, at.port);
      up.add(at.port);
    },
    async remove(c: string) {
      calls.push(`remove ${c}`);
      const port = containers.get(c);
      if (port !== undefined) up.delete(port);
      containers.delete(c);
    },
    async list() {
      return [...containers.keys()].sort();
    },
  };
  return { calls, runtime, containers, ready: async (port: number) => up.has(port) };
}

const settingsFor = async (project: string): Promise<StudioSettings> =>
  studioSettings(
    { name: 'fleet', domain: 'example.com' },
    {
      name: project,
      subdomain: project,
      postgresPassword: new Secret('p'),
      pgMetaCryptoKey: new Secret('k'),
      anonKey: new Secret('a'),
      serviceRoleKey: new Secret('s'),
      jwtSecret: new Secret('j'),
    },
  );

function pool(
  over: Partial<StudioPoolOptions> & { runtime: StudioRuntime; ready: StudioPoolOptions['ready'] },
  clock = { t: 0 },
) {
  return createStudioPool({
    settingsFor,
    max: 2,
    memoryMb: 384,
    portBase: 3100,
    idleMs: 15 * 60_000,
    pollMs: 5,
    startTimeoutMs: 1000,
    now: () => clock.t,
    ...over,
  });
}

/** Polls open() until the Studio is no longer starting (bounded). */
async function settle(p: ReturnType<typeof createStudioPool>, project: string) {
  for (let i = 0; i < 200; i++) {
    const s = p.open(project);
    if (s.state !== 'starting') return s;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${project} still starting`);
}

describe('the Studio pool', () => {
  it("when a project's Studio is first opened, then it is started on its own port and is ready once it answers", async () => {
    const r = recorder();
    const p = pool(r);
    expect(p.open('acme').state).toBe('starting');
    expect(await settle(p, 'acme')).toEqual({ state: 'ready', port: 3100 });
    expect(r.calls).toEqual(['start supafleet-studio-acme :3100 384m']);
  });

  it('when two projects are opened, then each has its own Studio and port', async () => {
    const r = recorder();
    const p = pool(r);
    p.open('acme');
    p.open('blog');
    expect(await settle(p, 'acme')).toEqual({ state: 'ready', port: 3100 });
    expect(await settle(p, 'blog')).toEqual({ state: 'ready', port: 3101 });
    expect(p.running()).toEqual(['acme', 'blog']);
  });

  it('when the pool is full, then the least recently used Studio is stopped before the new one takes its port', async () => {
    const r = recorder();
    const clock = { t: 0 };
    const p = pool({ ...r, max: 2 }, clock);
    p.open('acme');
    clock.t = 10;
    p.open('blog');
    await settle(p, 'acme');
    await settle(p, 'blog');
    clock.t = 20;
    p.open('acme'); // acme used last: blog is the least recently used
    clock.t = 30;
    expect(await settle(p, 'shop')).toEqual({ state: 'ready', port: 3101 });
    expect(r.calls.slice(2)).toEqual([
      'remove supafleet-studio-blog',
      'start supafleet-studio-shop :3101 384m',
    ]);
    expect(p.running()).toEqual(['acme', 'shop']);
  });

  it('when a Studio has been idle for the idle time, then a sweep stops it, and not before', async () => {
    const r = recorder();
    const clock = { t: 0 };
    const p = pool(r, clock);
    await settle(p, 'acme');
    clock.t = 15 * 60_000 - 1;
    await p.sweep();
    expect(p.running()).toEqual(['acme']);
    clock.t = 15 * 60_000;
    await p.sweep();
    expect(p.running()).toEqual([]);
    expect(r.calls.at(-1)).toBe('remove supafleet-studio-acme');
  });

  it('when a Studio cannot start, then it reports why, and starts again only after the retry time', async () => {
    const r = recorder({ failStart: 'acme' });
    const clock = { t: 0 };
    const p = pool({ ...r, retryMs: 30_000 }, clock);
    const s = await settle(p, 'acme');
    expect(s).toEqual({
      state: 'failed',
      reason: 'Docker did not create supafleet-studio-acme: 404 No such image',
    });
    clock.t = 29_999;
    expect(p.open('acme').state).toBe('failed');
    expect(r.calls.filter((c) => c.startsWith('start'))).toHaveLength(1);
    clock.t = 30_000;
    expect(p.open('acme').state).toBe('starting');
    await settle(p, 'acme');
    expect(r.calls.filter((c) => c.startsWith('start'))).toHaveLength(2);
  });

  it('when Studio never answers, then the start fails after the start timeout, naming the port', async () => {
    const r = recorder();
    const clock = { t: 0 };
    const p = pool({ ...r, ready: async () => false, startTimeoutMs: 20, now: () => (clock.t += 5) }, clock);
    const s = await settle(p, 'acme');
    expect(s.state).toBe('failed');
    expect(s.state === 'failed' && s.reason).toMatch(/did not answer on 127\.0\.0\.1:3100 within/);
  });

  it("when a project's Studio is removed (its project deleted), then its container goes at once, not at the idle sweep", async () => {
    const r = recorder();
    const p = pool(r);
    await settle(p, 'acme');
    await settle(p, 'blog');
    await p.remove('acme', 'project deleted');
    expect(r.containers.has('supafleet-studio-acme')).toBe(false);
    expect(r.containers.has('supafleet-studio-blog')).toBe(true);
    expect(p.running()).toEqual(['blog']);
  });

  it('when a Studio is removed while its container is still being created, then the container is removed once created', async () => {
    const r = recorder();
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const slowStart: StudioRuntime = {
      ...r.runtime,
      async start(s, at) {
        await gate;
        await r.runtime.start(s, at);
      },
    };
    const p = pool({ ...r, runtime: slowStart });
    expect(p.open('acme').state).toBe('starting');
    await new Promise((res) => setTimeout(res, 10)); // the start is now waiting on Docker
    await p.remove('acme', 'project deleted');
    release();
    const removedAfterStart = () =>
      r.calls.some((c) => c.startsWith('start')) && r.calls.at(-1) === 'remove supafleet-studio-acme';
    for (let n = 0; n < 100 && !removedAfterStart(); n++) await new Promise((res) => setTimeout(res, 5));
    expect(r.containers.size).toBe(0);
    expect(p.running()).toEqual([]);
  });

  it('when a project without a Studio is removed, then nothing is asked of the runtime', async () => {
    const r = recorder();
    const p = pool(r);
    await p.remove('acme', 'project deleted');
    expect(r.calls).toEqual([]);
  });

  it('when the master starts, then Studio containers of a previous run are removed', async () => {
    const r = recorder();
    r.containers.set('supafleet-studio-old', 3100);
    const p = pool(r);
    await p.adopt();
    expect(r.calls).toEqual(['remove supafleet-studio-old']);
  });

  it('when the pool is closed, then every Studio it started is removed', async () => {
    const r = recorder();
    const p = pool(r);
    await settle(p, 'acme');
    await settle(p, 'blog');
    await p.close();
    expect(r.containers.size).toBe(0);
  });
});
