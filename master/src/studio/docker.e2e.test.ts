/**
 * The Docker runtime of project Studios against a real Docker daemon (Debian's docker.io),
 * started by this test in a network namespace of its own with a private data root, exec root
 * and socket, reached over loopback through a small TCP-to-socket relay (as the master reaches
 * the docker-studio proxy). The Studio image cannot be pulled here, so the containers run a
 * busybox image imported from a tarball under the Studio's name and the settings' environment;
 * the pull of a missing image is attempted for real and fails, naming the image. Needs root,
 * ip, nsenter, dockerd, docker and busybox; skips otherwise, fails in CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../core/seal/secret.ts';
import { missingTools } from '../../../cloud-init/test/validators.ts';
import { writeBusyboxRoot } from '../../../test/support/busybox-root.ts';
import { startNamespacedDockerd } from '../../../test/support/dockerd.ts';
import { createDockerStudioRuntime } from './docker.ts';
import type { StudioRuntime } from './runtime.ts';
import { studioSettings, type StudioSettings } from './settings.ts';

const missing = missingTools(['root', 'ip', 'nsenter', 'dockerd', 'docker', 'busybox']);
const NS = `sfst${process.pid % 10000}`;
const IMAGE = 'sf-studio-test:busybox';
const NETWORK = 'supafleet-studio';

let dir = '';
let sock = '';
let dockerd = 0;
let relay: Server | undefined;
let runtime: StudioRuntime;

function sh(cmd: string, args: string[], timeout = 60_000) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'cli') },
  });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}
function must(cmd: string, args: string[], timeout = 60_000): string {
  const r = sh(cmd, args, timeout);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.out}`);
  return r.stdout;
}
const dk = (args: string[]) => must('docker', args);
const inspect = (c: string, format: string) => dk(['inspect', '-f', format, c]).trim();

/** busybox and the libraries it links, as an image tarball. */
function busyboxTar(): string {
  const root = join(dir, 'img');
  writeBusyboxRoot(root);
  const tar = join(dir, 'img.tar');
  must('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

function settings(project: string, image = IMAGE): StudioSettings {
  const s = studioSettings(
    { name: 'fleet', domain: 'example.com' },
    {
      name: project,
      subdomain: project,
      postgresPassword: new Secret(`pg-${project}`),
      pgMetaCryptoKey: new Secret(`key-${project}`),
      anonKey: new Secret(`anon-${project}`),
      serviceRoleKey: new Secret(`service-${project}`),
      jwtSecret: new Secret(`jwt-${project}`),
    },
  );
  return { ...s, image };
}

describe.skipIf(missing.length > 0)('project Studios as real Docker containers', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-studio-docker-'));
    sock = join(dir, 'docker.sock');
    mkdirSync(join(dir, 'cli'));
    must('ip', ['netns', 'add', NS]);
    must('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    dockerd = startNamespacedDockerd({
      netns: NS,
      root: dir,
      sock,
      env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'cli') },
    });
    // its own command, as Studio's image has (the runtime gives none)
    dk(['import', '--change', 'CMD ["/bin/busybox", "sleep", "600"]', busyboxTar(), IMAGE]);
    // as master-up.sh makes it
    dk(['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', NETWORK]);
    // the master reaches the Docker API over loopback HTTP (the docker-studio proxy)
    relay = createServer((c) => {
      const up = connect(sock);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => relay!.listen(0, '127.0.0.1', r));
    runtime = createDockerStudioRuntime({
      baseUrl: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
      network: NETWORK,
      pullTimeoutMs: 30_000,
    });
  }, 120_000);

  afterAll(async () => {
    relay?.close();
    if (dockerd > 0) {
      const ids = sh('docker', ['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) sh('docker', ['rm', '-f', ...ids]);
      const containerdPid = join(dir, 'exec', 'containerd', 'containerd.pid');
      const containerd = existsSync(containerdPid) ? Number(readFileSync(containerdPid, 'utf8').trim()) : 0;
      process.kill(dockerd, 'SIGTERM');
      for (let i = 0; i < 60 && existsSync(`/proc/${dockerd}`); i++) spawnSync('sleep', ['0.25']);
      if (existsSync(`/proc/${dockerd}`)) process.kill(dockerd, 'SIGKILL');
      if (
        containerd > 0 &&
        existsSync(`/proc/${containerd}`) &&
        readFileSync(`/proc/${containerd}/cmdline`, 'utf8').includes(dir)
      )
        process.kill(containerd, 'SIGKILL');
    }
    spawnSync('ip', ['netns', 'del', NS]);
    if (dir) {
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(dir + '/'));
      for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("when a project's Studio starts, then its container runs with the project's settings, on loopback, limited, unprivileged, on the Studio network", async () => {
    await runtime.start(settings('acme'), { port: 31001, memoryMb: 384 });
    const c = 'supafleet-studio-acme';
    expect(inspect(c, '{{.State.Running}}')).toBe('true');
    expect(inspect(c, '{{.Config.Image}}')).toBe(IMAGE);
    expect(inspect(c, '{{json .HostConfig.PortBindings}}')).toBe(
      '{"3000/tcp":[{"HostIp":"127.0.0.1","HostPort":"31001"}]}',
    );
    expect(inspect(c, '{{.HostConfig.Memory}}')).toBe(String(384 * 1024 * 1024));
    expect(inspect(c, '{{json .HostConfig.CapDrop}}')).toBe('["ALL"]');
    expect(inspect(c, '{{json .HostConfig.SecurityOpt}}')).toBe('["no-new-privileges:true"]');
    expect(inspect(c, '{{.HostConfig.RestartPolicy.Name}}')).toBe('no');
    expect(inspect(c, '{{.HostConfig.NetworkMode}}')).toBe(NETWORK);
    expect(inspect(c, '{{index .Config.Labels "supafleet.studio"}}')).toBe('acme');
    const env = inspect(c, '{{json .Config.Env}}');
    for (const kv of [
      'POSTGRES_PASSWORD=pg-acme',
      'PG_META_CRYPTO_KEY=key-acme',
      'STUDIO_PG_META_URL=https://acme.example.com/pg',
    ])
      expect(env).toContain(kv);
    expect(await runtime.list()).toContain(c);
  }, 60_000);

  it('when a container of an earlier run has the name, then it is replaced', async () => {
    await runtime.start(settings('acme'), { port: 31002, memoryMb: 256 });
    expect(inspect('supafleet-studio-acme', '{{json .HostConfig.PortBindings}}')).toContain('"31002"');
    expect(await runtime.list()).toEqual(['supafleet-studio-acme']);
  }, 60_000);

  it('when a Studio is removed, then its container is gone, and removing it again is no error', async () => {
    await runtime.remove('supafleet-studio-acme');
    expect(await runtime.list()).toEqual([]);
    await runtime.remove('supafleet-studio-acme');
  }, 60_000);

  it('when the image is missing and cannot be pulled, then the start fails naming the image, and no container is left', async () => {
    const missingImage = 'sf-studio-test:not-here';
    await expect(
      runtime.start(settings('blog', missingImage), { port: 31003, memoryMb: 384 }),
    ).rejects.toThrow(/Docker did not pull sf-studio-test:not-here/);
    expect(await runtime.list()).toEqual([]);
  }, 60_000);
});
