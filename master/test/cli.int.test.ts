import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import type { CliIo } from '../../cli/io.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { serveMaster } from '../../test/support/master-serve.ts';
import { verifyApiToken } from '../src/auth/api-tokens.ts';
import { createPool, Registry } from '../src/registry/registry.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping master CLI tests: ${skip}`);

function io(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: { write: (t) => void out.push(t) },
    stderr: { write: (t) => void err.push(t) },
    readStdin: async () => '',
    stdinIsTty: false,
    env,
    cwd: process.cwd(),
  };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

describe.skipIf(skip !== undefined)('supafleet master', () => {
  let pg: TestPostgres;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-cli-'));
  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('cli');
  });
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when migrate runs twice, then the second run reports the registry up to date', async () => {
    const a = io({ DATABASE_URL: url });
    expect(await main(['master', 'migrate'], a.io)).toBe(0);
    expect(a.out()).toMatch(/applied migrations 1/);
    const b = io({ DATABASE_URL: url });
    expect(await main(['master', 'migrate'], b.io)).toBe(0);
    expect(b.out()).toBe('registry is up to date\n');
  });

  it('when a token is created, then it is printed once, works with its scope, and only its hash is stored', async () => {
    const c = io({ DATABASE_URL: url });
    expect(await main(['master', 'token', 'create', '--name', 'ops team', '--scope', 'admin'], c.io)).toBe(0);
    const token = c.out().trim();
    expect(token).toMatch(/^sft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(c.err()).not.toContain(token);
    const registry = new Registry(createPool(url, 1));
    try {
      expect(await verifyApiToken(registry, token)).toMatchObject({
        scope: 'admin',
        actor: { kind: 'token', name: 'ops team' },
      });
      const dump = JSON.stringify((await registry.pool.query('select * from api_tokens')).rows);
      // the secret is everything after `sft_<id>_`; it may itself contain `_` (base64url)
      expect(dump).not.toContain(token.slice('sft_0123456789abcdef_'.length));
      expect((await registry.listAudit()).at(-1)).toMatchObject({
        action: 'token.create',
        actor: { kind: 'cli' },
      });
    } finally {
      await registry.close();
    }
  });

  it.each([
    {
      args: ['--scope', 'root', '--name', 'x'],
      want: /scope "root" is unknown; expected read, write or admin/,
    },
    { args: ['--scope', 'read'], want: /required option '--name <name>'/ },
  ])('when token create gets $args, then exit 2 with the reason', async ({ args, want }) => {
    const c = io({ DATABASE_URL: url });
    expect(await main(['master', 'token', 'create', ...args], c.io)).toBe(2);
    expect(c.err()).toMatch(want);
  });

  it('when serve starts without its settings, then it exits 2 naming each missing one', async () => {
    const c = io({});
    expect(await main(['master', 'serve'], c.io)).toBe(2);
    for (const k of [
      'DATABASE_URL',
      'SUPAFLEET_FLEET_FILE',
      'SUPAFLEET_SECRETS_KEY',
      'SUPAFLEET_SEAL_PRIVATE_KEY',
      'KONG_ADMIN_URL',
    ]) {
      expect(c.err()).toContain(k);
    }
  });

  it('when the real command serves, then both listeners answer /healthz and SIGTERM stops it cleanly', async () => {
    const m = await serveMaster({
      argv: ['cli/bin/supafleet.js', 'master', 'serve'],
      databaseUrl: url,
      dir,
      agentHost: '127.102.0.1',
    });
    try {
      expect(await (await fetch(`${m.apiUrl}/healthz`)).json()).toEqual({ ok: true });
      expect(await (await fetch(`${m.agentUrl}/healthz`)).json()).toEqual({ ok: true });
      expect((await fetch(`${m.agentUrl}/v1/projects`)).status).toBe(404);
    } finally {
      expect(await m.stop()).toBe(0);
    }
    expect(m.logs()).not.toContain(m.sealPrivateKey);
  });
});
