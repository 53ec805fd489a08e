/** The real collaborators of `supafleet init`: GitHub, Hetzner, DNS, the master's health, SSH, files. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve4 } from 'node:dns/promises';
import { dirname, join } from 'node:path';
import { createGitHubSetupClient } from '../../core/github/setup.ts';
import { HetznerClient } from '../../core/hetzner/client.ts';
import { StorageBoxClient } from '../../core/hetzner/storage-box.ts';
import { probeTokenScope } from '../../core/hetzner/token-scope.ts';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { probeStorageBox } from './box-probe.ts';
import { remoteInstall } from './keys.ts';
import type { InitDeps, MasterKeyFile } from './ports.ts';
import type { InitSettings } from './settings.ts';

/** The Storage Box's host key, pinned on first contact, in the key directory. */
export const BOX_KNOWN_HOSTS = 'storage-box.known_hosts';

/** How often and how long SSH is tried while the new master finishes its first boot. */
const SSH_TRIES = 20;
const SSH_PAUSE_MS = 15_000;

export function realInitDeps(s: InitSettings, ui: Pick<InitDeps, 'say' | 'progress' | 'confirm'>): InitDeps {
  const hcloud = (token: InitSettings['tokens']['hcloud']) =>
    token
      ? new HetznerClient({
          token: token.reveal(),
          ...(s.endpoints.hcloud ? { endpoint: s.endpoints.hcloud } : {}),
        })
      : undefined;
  const rw = hcloud(s.tokens.hcloud);
  const ro = hcloud(s.tokens.hcloudReadOnly);
  return {
    ...ui,
    github: createGitHubSetupClient({
      repo: s.repo,
      token: s.tokens.github,
      ...(s.endpoints.github ? { baseUrl: s.endpoints.github } : {}),
    }),
    ...(rw ? { hetzner: rw } : {}),
    ...(s.tokens.hcloud
      ? {
          storageBox: new StorageBoxClient({
            token: s.tokens.hcloud.reveal(),
            ...(s.endpoints.hetzner ? { endpoint: s.endpoints.hetzner } : {}),
          }),
        }
      : {}),
    async probeScope(which) {
      const client = which === 'readWrite' ? rw : ro;
      if (!client)
        throw new Error(`${which === 'readWrite' ? 'HCLOUD_TOKEN' : 'HCLOUD_TOKEN_READONLY'} is not set`);
      return probeTokenScope(client);
    },
    probeStorageBox(target, keyPath) {
      // The box's host key is pinned beside the fleet's keys, not in the operator's known_hosts.
      mkdirSync(s.keyDir, { recursive: true, mode: 0o700 });
      return probeStorageBox(target, keyPath, join(s.keyDir, BOX_KNOWN_HOSTS));
    },
    generateSealKeypair,
    async makeSshKey(path, comment) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const result = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], {
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
      });
      if (result.status !== 0)
        throw new Error(
          `ssh-keygen could not make ${path}: ${result.error?.message ?? result.stderr.trim()}`,
        );
    },
    readFile(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    writeFile(path, text, mode) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, text, mode !== undefined ? { mode } : {});
    },
    resolve: (host) => resolve4(host).catch(() => []),
    async masterHealthy(url) {
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
        return res.ok && ((await res.json()) as { ok?: unknown }).ok === true;
      } catch {
        return false;
      }
    },
    installKeys: (target, files) => sshInstall(target, files, ui.progress),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
}

/**
 * Installs each key with `ssh <user>@<host> '<remoteInstall(name)>'` (owner and mode as the master needs),
 * the key on standard input (never on a command line). Retries while the new master boots.
 */
async function sshInstall(
  target: { host: string; user: string },
  files: readonly MasterKeyFile[],
  progress: (text: string) => void,
): Promise<void> {
  for (const file of files) {
    let last = '';
    for (let attempt = 1; attempt <= SSH_TRIES; attempt++) {
      progress(
        `ssh ${target.user}@${target.host}: installing ${file.name} (attempt ${attempt}/${SSH_TRIES})…`,
      );
      const result = await ssh(target, remoteInstall(file.name), file.content.reveal());
      if (result.code === 0) {
        last = '';
        break;
      }
      last = result.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${result.code}`;
      await new Promise((r) => setTimeout(r, SSH_PAUSE_MS));
    }
    if (last !== '')
      throw new Error(`could not install ${file.name} on ${target.host} over SSH as ${target.user}: ${last}`);
  }
}

function ssh(
  target: { host: string; user: string },
  command: string,
  stdin: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'ssh',
      [
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=accept-new',
        '-o',
        'ConnectTimeout=10',
        `${target.user}@${target.host}`,
        command,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (e) => resolve({ code: null, stderr: e.message }));
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(`${stdin}\n`);
  });
}
