import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import type { Registry } from '../../master/src/registry/registry.ts';

// The master's modules (express, pg, the renderers) are imported by the actions that use them,
// so the other commands start without them.

function databaseUrl(io: CommandIo): string {
  const url = io.env.DATABASE_URL?.trim();
  if (!url)
    throw new UsageError('DATABASE_URL is not set; expected a postgres:// URL of the registry database');
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new UsageError('DATABASE_URL is not a postgres:// or postgresql:// URL');
  return url;
}

/** Runs `fn` with a registry on DATABASE_URL, closing the pool afterwards. */
async function withRegistry<T>(io: CommandIo, fn: (r: Registry) => Promise<T>): Promise<T> {
  const url = databaseUrl(io);
  const { createPool, Registry } = await import('../../master/src/registry/registry.ts');
  const registry = new Registry(createPool(url, 2));
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

/** `supafleet master migrate|serve|token create|list|revoke|backup-password`: run and administer the master. */
export function registerMaster(program: Command, io: CommandIo): void {
  const master = program.command('master').description('run and administer the master API');

  master
    .command('migrate')
    .description('apply pending registry migrations (DATABASE_URL); a re-run is a no-op')
    .option('--json', 'print {"applied": [versions]}')
    .action(async (opts: { json?: boolean }) => {
      const { migrate } = await import('../../master/src/registry/migrate.ts');
      const applied = await withRegistry(io, (r) => migrate(r.pool));
      io.stdout.write(
        opts.json
          ? `${JSON.stringify({ applied })}\n`
          : applied.length === 0
            ? 'registry is up to date\n'
            : `applied migrations ${applied.join(', ')}\n`,
      );
      io.setExitCode(EXIT.ok);
    });

  master
    .command('serve')
    .description('run the master API with the configuration from the environment (see master/README.md)')
    .option('--json', 'accepted for uniformity: the log is always one JSON object per line')
    .action(async () => {
      const { ConfigError, loadConfig } = await import('../../master/src/config.ts');
      const { createLogger } = await import('../../master/src/log.ts');
      const { startMaster } = await import('../../master/src/server.ts');
      const env = { ...io.env };
      if (env.SUPAFLEET_FLEET_FILE) env.SUPAFLEET_FLEET_FILE = resolve(io.cwd, env.SUPAFLEET_FLEET_FILE);
      let config;
      try {
        config = await loadConfig(env);
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        throw err;
      }
      const log = createLogger(config.logLevel);
      const running = await startMaster(config, log);
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'stopping');
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          void running.close().then(done, done);
        };
        const onTerm = () => stop('SIGTERM');
        const onInt = () => stop('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
      });
      io.setExitCode(EXIT.ok);
    });

  master
    .command('backup-password')
    .description(
      "print the restic password of the master's own backups, derived from the fleet seal private key read from stdin",
    )
    .requiredOption('--fleet <name>', 'the fleet name (name in fleet.yaml)')
    .option('--json', 'print {"fleet", "password"}')
    .action(async (opts: { fleet: string; json?: boolean }) => {
      const { masterBackupPassword } = await import('../../cloud-init/master/backup-password.ts');
      const key = await io.readStdin(64 * 1024);
      let password;
      try {
        password = masterBackupPassword(opts.fleet, key);
      } catch (err) {
        throw new UsageError(`${(err as Error).message} (standard input)`);
      }
      io.stdout.write(
        opts.json
          ? `${JSON.stringify({ fleet: opts.fleet, password: password.reveal() })}\n`
          : `${password.reveal()}\n`,
      );
      io.setExitCode(EXIT.ok);
    });

  const token = master.command('token').description('operator API tokens');
  token
    .command('create')
    .description('create an API token and print it once (only its hash is stored)')
    .requiredOption('--name <name>', 'who or what uses the token (shown in the audit log)')
    .requiredOption('--scope <scope>', 'read, write or admin')
    .option('--json', 'print {"id", "name", "scope", "token"}')
    .action(async (opts: { name: string; scope: string; json?: boolean }) => {
      const { mintApiToken, parseScope } = await import('../../master/src/auth/api-tokens.ts');
      let scope;
      try {
        scope = parseScope(opts.scope);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/.test(opts.name)) {
        throw new UsageError(
          `--name "${opts.name.slice(0, 64)}" is not accepted; expected 1-64 letters, digits, spaces or ._@-`,
        );
      }
      const t = mintApiToken();
      await withRegistry(io, async (r) => {
        await r.tx(async (q) => {
          await q.insertApiToken({ id: t.id, name: opts.name, scope, secretHash: t.secretHash });
          await q.audit({ kind: 'cli' }, 'token.create', null, { id: t.id, name: opts.name, scope });
        });
      });
      io.stdout.write(
        opts.json
          ? `${JSON.stringify({ id: t.id, name: opts.name, scope, token: t.token })}\n`
          : `${t.token}\n`,
      );
      io.stderr.write(`created ${scope} token "${opts.name}" (id ${t.id}); it is shown only this once\n`);
      io.setExitCode(EXIT.ok);
    });

  token
    .command('list')
    .description('list the API tokens not revoked: name, scope, id, created (never a secret)')
    .option('--json', 'print {"tokens": [{"id", "name", "scope", "created_at"}]}')
    .action(async (opts: { json?: boolean }) => {
      const tokens = await withRegistry(io, (r) => r.listApiTokens());
      if (opts.json) {
        const out = tokens.map((t) => ({
          id: t.id,
          name: t.name,
          scope: t.scope,
          created_at: t.createdAt.toISOString(),
        }));
        io.stdout.write(`${JSON.stringify({ tokens: out })}\n`);
      } else if (tokens.length === 0) {
        io.stdout.write('no API tokens (create one with supafleet master token create)\n');
      } else {
        const rows = [
          ['NAME', 'SCOPE', 'ID', 'CREATED'],
          ...tokens.map((t) => [t.name, t.scope, t.id, t.createdAt.toISOString()]),
        ];
        const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
        for (const row of rows) {
          io.stdout.write(
            `${row
              .map((v, c) => v.padEnd(widths[c]!))
              .join('  ')
              .trimEnd()}\n`,
          );
        }
      }
      io.setExitCode(EXIT.ok);
    });

  token
    .command('revoke')
    .description('revoke the API tokens of that name; the master refuses them from the next request on')
    .requiredOption('--name <name>', 'the name the token was created with (see master token list)')
    .option('--json', 'print {"name", "revoked": [ids]}')
    .action(async (opts: { name: string; json?: boolean }) => {
      const revoked = await withRegistry(io, async (r) => {
        const ids = await r.tx(async (q) => {
          const ids = await q.revokeApiTokensNamed(opts.name);
          if (ids.length > 0) await q.audit({ kind: 'cli' }, 'token.revoke', null, { name: opts.name, ids });
          return ids;
        });
        if (ids.length === 0) {
          const known = [...new Set((await r.listApiTokens()).map((t) => `"${t.name}"`))];
          throw new UsageError(
            `no API token is named "${opts.name.slice(0, 64)}"; ${known.length > 0 ? `the tokens are named ${known.join(', ')}` : 'there are no tokens'} (supafleet master token list)`,
          );
        }
        return ids;
      });
      io.stdout.write(
        opts.json
          ? `${JSON.stringify({ name: opts.name, revoked })}\n`
          : `revoked ${revoked.length === 1 ? 'the token' : `${revoked.length} tokens`} named "${opts.name}" (id ${revoked.join(', ')})\n`,
      );
      io.setExitCode(EXIT.ok);
    });
}
