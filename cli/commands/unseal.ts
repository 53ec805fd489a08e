import type { Command } from 'commander';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { checkBinding } from './seal.ts';

/** The environment variable that holds the fleet's seal private key. */
export const PRIVATE_KEY_ENV = 'SUPAFLEET_SEAL_PRIVATE_KEY';

/** `supafleet unseal --project P --field F [--json]`: sealed string on stdin, value on stdout. */
export function registerUnseal(program: Command, io: CommandIo): void {
  program
    .command('unseal')
    .description(`open a sealed value (read from stdin) with the private key in $${PRIVATE_KEY_ENV}`)
    .requiredOption('--project <name>', 'the project the value must belong to')
    .requiredOption('--field <path>', 'the field the value must belong to, e.g. auth.smtp.pass')
    .option(
      '--json',
      'print {"project", "field", "value"} (or {"ok": false, "error"} when it cannot be opened)',
    )
    .action(async (opts: { project: string; field: string; json?: boolean }) => {
      await checkBinding(opts.project, opts.field);
      const key = io.env[PRIVATE_KEY_ENV];
      if (key === undefined || key.trim() === '') {
        throw new UsageError(`${PRIVATE_KEY_ENV} is not set; expected the fleet's base64 seal private key`);
      }
      const sealed = (await io.readStdin(1024 * 1024)).trim();
      if (sealed === '') throw new UsageError('no sealed value on standard input');
      const { SealError, Secret, publicKeyOf, unseal } = await import('../../core/seal/index.ts');
      try {
        const privateKey = new Secret(key.trim());
        const publicKey = await publicKeyOf(privateKey);
        const value = await unseal(
          sealed,
          { project: opts.project, field: opts.field },
          { publicKey, privateKey },
        );
        io.stdout.write(
          opts.json
            ? `${JSON.stringify({ project: opts.project, field: opts.field, value: value.reveal() })}\n`
            : `${value.reveal()}\n`,
        );
        io.setExitCode(EXIT.ok);
      } catch (error) {
        if (!(error instanceof SealError)) throw error;
        if (opts.json) io.stdout.write(`${JSON.stringify({ ok: false, error: error.message })}\n`);
        io.stderr.write(`supafleet unseal: ${error.message}\n`);
        io.setExitCode(EXIT.invalid);
      }
    });
}
