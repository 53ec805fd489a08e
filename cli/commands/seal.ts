import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';

/** The fleet file's name (core/spec's FLEET_FILE, repeated so the command line loads no spec code to say it). */
const FLEET_FILE = 'fleet.yaml';

/** Largest value that can be sealed. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** `supafleet seal [--root DIR] --project P --field F [--json]`: value on stdin, sealed string on stdout. */
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
    .option('--json', 'print {"project", "field", "sealed"}')
    .action(async (opts: { root: string; project: string; field: string; json?: boolean }) => {
      await checkBinding(opts.project, opts.field);
      const root = resolve(io.cwd, opts.root);
      if (!existsSync(join(root, FLEET_FILE))) {
        throw new UsageError(`no ${FLEET_FILE} in ${root}; pass --root <the fleet directory>`);
      }
      const publicKey = await fleetPublicKey(root, io);
      if (publicKey === undefined) {
        if (opts.json)
          io.stdout.write(
            `${JSON.stringify({ ok: false, error: `${FLEET_FILE} has no usable seal.public_key` })}\n`,
          );
        io.setExitCode(EXIT.invalid);
        return;
      }
      if (io.stdinIsTty) io.stderr.write('Type the value, then press Enter and Ctrl-D:\n');
      const value = stripOneNewline(await io.readStdin(MAX_SECRET_BYTES));
      if (value === '')
        throw new UsageError(
          'no value on standard input; pipe the secret in, e.g. printf %s "$VALUE" | supafleet seal ...',
        );
      const { seal } = await import('../../core/seal/index.ts');
      const sealed = await seal(value, { project: opts.project, field: opts.field }, publicKey);
      io.stdout.write(
        opts.json
          ? `${JSON.stringify({ project: opts.project, field: opts.field, sealed })}\n`
          : `${sealed}\n`,
      );
      io.setExitCode(EXIT.ok);
    });
}

/** The fleet's seal public key, or undefined after saying on stderr why there is none. */
async function fleetPublicKey(root: string, io: CommandIo): Promise<string | undefined> {
  const { loadFleetFile, sealPublicKeyProblem, stringAt } = await import('../../core/spec/index.ts');
  const fleet = await loadFleetFile(root);
  if (fleet.value === undefined) {
    // The file could not be read as YAML: its errors say why.
    for (const error of fleet.errors) io.stderr.write(`${formatError(error)}\n`);
    return undefined;
  }
  const publicKey = stringAt(fleet.value, ['seal', 'public_key']);
  if (publicKey === undefined) {
    io.stderr.write(
      `${FLEET_FILE} has no seal.public_key; run supafleet keygen and put the public key there\n`,
    );
    return undefined;
  }
  const problem = sealPublicKeyProblem(publicKey);
  if (problem !== undefined) {
    io.stderr.write(`${FLEET_FILE} seal.public_key: ${problem}\n`);
    return undefined;
  }
  return publicKey;
}

/** Refuses a project or field that validation would refuse, before anything is sealed. */
export async function checkBinding(project: string, field: string): Promise<void> {
  const { AUTH_PROVIDERS, labelProblem, sealableFieldProblem } = await import('../../core/spec/index.ts');
  const problem = labelProblem(project) ?? sealableFieldProblem(field, AUTH_PROVIDERS);
  if (problem !== undefined) throw new UsageError(problem);
}

/** `echo` ends the value with a newline the user did not mean to seal. */
function stripOneNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
