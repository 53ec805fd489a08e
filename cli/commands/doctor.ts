import { isIP } from 'node:net';
import type { Command } from 'commander';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { cacertFlag, connectToFlag, masterAccess, timeoutFlag } from '../master-flags.ts';
import { progressFor, styleFor } from '../style.ts';

interface DoctorFlags {
  master?: string;
  project?: string;
  masterAddress?: string;
  connectTo?: string;
  cacert?: string;
  timeout: string;
  json?: boolean;
}

/**
 * `supafleet doctor`: checks a live fleet layer by layer (DNS, certificate, master API, Kong,
 * WireGuard, worker, services) and names the first broken one with what to do. Exits 0 when
 * every check passed, 1 when one failed, 2 on a usage error.
 */
export function registerDoctor(program: Command, io: CommandIo): void {
  program
    .command('doctor')
    .description(
      'check a live fleet end to end (DNS, certificate, master API, Kong, WireGuard, worker, services) and name the first broken layer',
    )
    .option(
      '--master <url>',
      'the master API (default $SUPAFLEET_MASTER_URL); token in $SUPAFLEET_API_TOKEN (read scope)',
    )
    .option('--project <name>', 'check this project only')
    .option(
      '--master-address <ip>',
      "the master's public address the DNS records must name (default: what the master URL's host resolves to)",
    )
    .option(
      '--connect-to <address:port>',
      'connect to this address and port instead of what DNS answers (DNS is then not checked)',
    )
    .option('--cacert <file>', 'also trust the CA certificate(s) in this PEM file')
    .option('--timeout <seconds>', "each request's time limit", '10')
    .option('--json', 'print the report as JSON')
    .action(async (opts: DoctorFlags) => {
      const timeoutMs = timeoutFlag(opts.timeout);
      if (opts.project !== undefined && !/^[a-z][a-z0-9-]{1,31}$/.test(opts.project)) {
        throw new UsageError(`--project "${opts.project}" is not a project name`);
      }
      if (opts.masterAddress !== undefined && isIP(opts.masterAddress) === 0) {
        throw new UsageError(
          `--master-address "${opts.masterAddress}" is not an IP address; expected e.g. 203.0.113.10`,
        );
      }
      const connectTo = opts.connectTo === undefined ? undefined : connectToFlag(opts.connectTo);
      const ca = cacertFlag(opts.cacert, io);
      const access = masterAccess(opts.master, io, 'read');
      const { createDoctorIo } = await import('../../core/doctor/probes.ts');
      const { runDoctor } = await import('../../core/doctor/run.ts');
      const { formatDoctor } = await import('../../core/doctor/format.ts');
      const doctorIo = createDoctorIo({
        timeoutMs,
        ...(connectTo ? { connectTo } : {}),
        ...(ca ? { ca } : {}),
      });
      const progress = progressFor(io, opts.json === true);
      const report = await runDoctor({
        masterUrl: access.url,
        token: access.token,
        io: doctorIo,
        timeoutMs,
        progress: (text) => progress.update(text),
        ...(opts.project !== undefined ? { project: opts.project } : {}),
        ...(opts.masterAddress !== undefined ? { masterAddress: opts.masterAddress } : {}),
        ...(connectTo ? { connectTo } : {}),
      }).finally(async () => {
        progress.done();
        await doctorIo.close().catch(() => undefined);
      });
      if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else for (const line of formatDoctor(report, styleFor(io, 'stdout'))) io.stdout.write(`${line}\n`);
      io.setExitCode(report.ok ? EXIT.ok : EXIT.invalid);
    });
}
