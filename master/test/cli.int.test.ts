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

  /** Creates a token with the real command; answers the printed token. */
  const create = async (name: string, scope: string): Promise<string> => {
    const c = io({ DATABASE_URL: url });
    expect(await main(['master', 'token', 'create', '--name', name, '--scope', scope], c.io)).toBe(0);
    return c.out().trim();
  };

  it('when tokens are listed, then each shows its name, scope, id and creation time, and no secret or hash', async () => {
    const token = await create('list viewer', 'read');
    const id = token.slice(4, 20);
    const table = io({ DATABASE_URL: url });
    expect(await main(['master', 'token', 'list'], table.io)).toBe(0);
    expect(table.out().split('\n')[0]).toMatch(/^NAME +SCOPE +ID +CREATED$/);
    expect(table.out()).toMatch(new RegExp(`^list viewer +read +${id} +\\d{4}-\\d\\d-\\d\\dT`, 'm'));
    const json = io({ DATABASE_URL: url });
    expect(await main(['master', 'token', 'list', '--json'], json.io)).toBe(0);
    const listed = (JSON.parse(json.out()) as { tokens: Record<string, unknown>[] }).tokens;
    expect(listed.find((t) => t.id === id)).toEqual({
      id,
      name: 'list viewer',
      scope: 'read',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const registry = new Registry(createPool(url, 1));
    try {
      const { rows } = await registry.pool.query(
        `select encode(secret_hash, 'hex') as h, encode(secret_hash, 'base64') as b from api_tokens`,
      );
      const printed = table.out() + json.out() + table.err() + json.err();
      expect(printed).not.toContain(token.slice('sft_0123456789abcdef_'.length));
      for (const r of rows as Record<string, string>[]) {
        expect(printed).not.toContain(r.h);
        expect(printed).not.toContain(r.b);
      }
    } finally {
      await registry.close();
    }
  });

  it('when a token is revoked by name, then the master refuses it, the list no longer shows it, and the revocation is audit-logged', async () => {
    const token = await create('deploy bot', 'write');
    const other = await create('keeps working', 'read');
    const c = io({ DATABASE_URL: url });
    expect(await main(['master', 'token', 'revoke', '--name', 'deploy bot'], c.io)).toBe(0);
    const id = token.slice(4, 20);
    expect(c.out()).toBe(`revoked the token named "deploy bot" (id ${id})\n`);
    const registry = new Registry(createPool(url, 1));
    try {
      await expect(verifyApiToken(registry, token)).rejects.toThrow(/unknown or revoked API token/);
      expect(await verifyApiToken(registry, other)).toMatchObject({ scope: 'read' });
      expect((await registry.listApiTokens()).map((t) => t.name)).not.toContain('deploy bot');
      expect((await registry.listAudit()).at(-1)).toMatchObject({
        action: 'token.revoke',
        actor: { kind: 'cli' },
        detail: { name: 'deploy bot', ids: [id] },
      });
    } finally {
      await registry.close();
    }
  });

  it('when the name to revoke is unknown, then exit 2 naming it and the known names, and nothing is revoked', async () => {
    const kept = await create('still here', 'read');
    const c = io({ DATABASE_URL: url });
    expect(await main(['master', 'token', 'revoke', '--name', 'nobody'], c.io)).toBe(2);
    expect(c.err()).toMatch(/no API token is named "nobody"; the tokens are named .*"still here"/);
    expect(c.out()).toBe('');
    const registry = new Registry(createPool(url, 1));
    try {
      expect(await verifyApiToken(registry, kept)).toMatchObject({ scope: 'read' });
    } finally {
      await registry.close();
    }
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
