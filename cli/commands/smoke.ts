import type { Command } from 'commander';
import { MasterApiError } from '../../core/master-client/errors.ts';
import type { MasterApi } from '../../core/master-client/types.ts';
import type { SmokeReport, SmokeTarget } from '../../core/smoke/types.ts';
// target.ts imports only types: it costs nothing at start.
import { SMOKE_KEY_ENV, smokeTarget } from '../../core/smoke/target.ts';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { cacertFlag, connectToFlag, timeoutFlag } from '../master-flags.ts';
import { progressFor, styleFor } from '../style.ts';

interface SmokeFlags {
  master?: string;
  viaMaster?: boolean;
  url?: string;
  connectTo?: string;
  cacert?: string;
  timeout: string;
  json?: boolean;
}

function httpsUrl(flag: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${flag} "${value}" is not a URL; expected e.g. https://acme.example.com`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new UsageError(`${flag} "${value}" must be https (plain http only on loopback)`);
  }
  return u.toString().replace(/\/$/, '');
}

/**
 * `supafleet smoke <project>`: the project's data path end to end with supabase-js
 * (auth, rest, storage, realtime, functions), each step timed, a failure named by
 * its layer; exits 0 when every step passed, 1 when one failed, 2 on a usage error.
 * It runs from here with the keys (admin token, or `--url` and the keys in the
 * environment), or with `--via-master` on the master, which holds the keys (write token).
 */
export function registerSmoke(program: Command, io: CommandIo): void {
  program
    .command('smoke')
    .description(
      "check a project's API end to end with supabase-js: auth, rest, storage, realtime and functions",
    )
    .argument('<project>', 'the project name')
    .option(
      '--master <url>',
      `the master API (default $SUPAFLEET_MASTER_URL); the keys come from its credentials endpoint with $SUPAFLEET_API_TOKEN (admin scope)`,
    )
    .option(
      '--via-master',
      'have the master run the smoke with the keys it holds (POST /v1/projects/<project>/smoke; a write token is enough, the keys never leave the master)',
    )
    .option(
      '--url <url>',
      `the project's API URL instead of the master's answer; the keys then come from $${SMOKE_KEY_ENV.anon} and $${SMOKE_KEY_ENV.serviceRole}`,
    )
    .option('--connect-to <address:port>', 'connect to this address and port instead of what DNS answers')
    .option('--cacert <file>', 'also trust the CA certificate(s) in this PEM file')
    .option(
      '--timeout <seconds>',
      "each step's time limit (with --via-master: on the master, at most its SUPAFLEET_SMOKE_TIMEOUT_S)",
      '15',
    )
    .option('--json', 'print the report as JSON')
    .action(async (project: string, opts: SmokeFlags) => {
      if (!/^[a-z][a-z0-9-]{1,31}$/.test(project)) {
        throw new UsageError(`project "${project}" is not a project name`);
      }
      if (opts.viaMaster) {
        const clash = [
          ['--url', opts.url],
          ['--connect-to', opts.connectTo],
          ['--cacert', opts.cacert],
        ].filter(([, v]) => v !== undefined);
        if (clash.length > 0) {
          throw new UsageError(
            `--via-master runs the smoke on the master, which connects through its own Caddy; ${clash.map(([f]) => f).join(' and ')} cannot apply`,
          );
        }
      }
      const seconds = timeoutFlag(opts.timeout) / 1000;
      const connect = opts.connectTo === undefined ? undefined : connectToFlag(opts.connectTo);
      const ca = cacertFlag(opts.cacert, io);
      const { createMasterClient, smokeWaitMs } = await import('../../core/master-client/client.ts');
      const { formatReport } = await import('../../core/smoke/format.ts');
      const masterFrom = (scope: string) => {
        const masterUrl = opts.master ?? io.env.SUPAFLEET_MASTER_URL;
        if (!masterUrl) {
          throw new UsageError(
            'no master: pass --master (or set SUPAFLEET_MASTER_URL) with an admin token in SUPAFLEET_API_TOKEN (a write token with --via-master), or --url with the keys in the environment',
          );
        }
        const token = io.env.SUPAFLEET_API_TOKEN ?? '';
        if (token === '') {
          throw new UsageError(`SUPAFLEET_API_TOKEN is not set: ${scope}`);
        }
        return createMasterClient({
          baseUrl: httpsUrl('--master', masterUrl),
          token: async () => token,
          tries: 3,
        });
      };
      const progress = progressFor(io, opts.json === true);
      let report: SmokeReport;
      if (opts.viaMaster) {
        const master = masterFrom('the master runs the smoke for a token with write scope');
        progress.update(`smoke ${project}: the master is checking it…`);
        const waitMs = smokeWaitMs(seconds);
        report = await master
          .smoke(project, { stepTimeoutS: seconds, waitMs })
          .catch((err: Error) => {
            if ((err.cause as Error | undefined)?.name !== 'TimeoutError') throw err;
            throw new Error(
              `the master did not answer the smoke of ${project} within ${waitMs / 1000} s (--timeout ${seconds} s a step, for every step); see the master's log, or raise --timeout`,
              { cause: err },
            );
          })
          .finally(() => progress.done());
      } else {
        report = await smokeHere(project, opts, { seconds, connect, ca }, masterFrom, progress, io.env);
      }
      if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const style = styleFor(io, 'stdout');
        for (const line of formatReport(report)) {
          io.stdout.write(`${/ FAILED |: FAILED at /.test(line) ? style.red(line) : line}\n`);
        }
      }
      io.setExitCode(report.ok ? EXIT.ok : EXIT.invalid);
    });
}

/** The smoke from this machine, with the keys from the master (admin) or the environment. */
async function smokeHere(
  project: string,
  opts: SmokeFlags,
  o: { seconds: number; connect?: { address: string; port: number }; ca?: string },
  masterFrom: (scope: string) => MasterApi,
  progress: ReturnType<typeof progressFor>,
  env: CommandIo['env'],
): Promise<SmokeReport> {
  const { runSmoke } = await import('../../core/smoke/run.ts');
  let target: SmokeTarget;
  if (opts.url !== undefined) {
    target = await smokeTarget(project, {
      kind: 'env',
      url: httpsUrl('--url', opts.url),
      env,
    }).catch((err: Error) => {
      throw new UsageError(err.message);
    });
  } else {
    const master = masterFrom(
      'the credentials endpoint needs a token with admin scope (or use --via-master)',
    );
    target = await smokeTarget(project, { kind: 'master', master }).catch((err: unknown) => {
      if (err instanceof MasterApiError && err.status === 403) {
        throw new Error(
          `${err.message}; a token without admin can have the master run the smoke: add --via-master`,
        );
      }
      throw err;
    });
  }
  progress.update(`smoke ${project}: checking ${target.url}…`);
  return runSmoke({
    project,
    target,
    stepTimeoutMs: o.seconds * 1000,
    ...(o.connect ? { resolve: o.connect } : {}),
    ...(o.ca ? { ca: o.ca } : {}),
  }).finally(() => progress.done());
}
