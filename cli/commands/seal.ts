import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seal } from '../../core/seal/index.ts';
import {
  AUTH_PROVIDERS,
  FLEET_FILE,
  labelProblem,
  loadFleetFile,
  sealableFieldProblem,
  sealPublicKeyProblem,
} from '../../core/spec/index.ts';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';

/** Largest value that can be sealed. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** `supafleet seal [--root DIR] --project P --field F`: value on stdin, sealed string on stdout. */
export function registerSeal(program: Command, io: CommandIo): void {
  program
    .command('seal')
    .description('seal a secret (read from stdin) to the fleet public key, for one project and field')
    .option('--root <dir>', 'the fleet directory (its fleet.yaml holds seal.public_key)', '.')
    .requiredOption('--project <name>', 'the project the value belongs to, e.g. acme')
    .requiredOption(
      '--field <path>',
      'where it goes: auth.smtp.pass, auth.external.<provider>.secret, functions.secrets.<NAME>',
    )
    .action(async (opts: { root: string; project: string; field: string }) => {
      checkBinding(opts.project, opts.field);
      const root = resolve(io.cwd, opts.root);
      if (!existsSync(join(root, FLEET_FILE))) {
        throw new UsageError(`no ${FLEET_FILE} in ${root}; pass --root <the fleet directory>`);
      }
      const fleet = await loadFleetFile(root);
      const publicKey = (fleet.value as { seal?: { public_key?: unknown } } | undefined)?.seal?.public_key;
      const keyErrors = fleet.errors.filter((e) => e.path === '' || e.path.startsWith('/seal'));
      if (
        typeof publicKey !== 'string' ||
        sealPublicKeyProblem(publicKey) !== undefined ||
        keyErrors.length > 0
      ) {
        for (const error of keyErrors) io.stderr.write(`${formatError(error)}\n`);
        if (keyErrors.length === 0)
          io.stderr.write('fleet.yaml has no seal.public_key; run supafleet keygen and add it\n');
        io.setExitCode(EXIT.invalid);
        return;
      }
      if (io.stdinIsTty) io.stderr.write('Type the value, then press Enter and Ctrl-D:\n');
      const value = stripOneNewline(await io.readStdin(MAX_SECRET_BYTES));
      if (value === '')
        throw new UsageError(
          'no value on standard input; pipe the secret in, e.g. printf %s "$VALUE" | supafleet seal ...',
        );
      io.stdout.write(`${await seal(value, { project: opts.project, field: opts.field }, publicKey)}\n`);
      io.setExitCode(EXIT.ok);
    });
}

/** Refuses a project or field that validation would refuse, before anything is sealed. */
export function checkBinding(project: string, field: string): void {
  const problem = labelProblem(project) ?? sealableFieldProblem(field, AUTH_PROVIDERS);
  if (problem !== undefined) throw new UsageError(problem);
}

/** `echo` ends the value with a newline the user did not mean to seal. */
function stripOneNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
