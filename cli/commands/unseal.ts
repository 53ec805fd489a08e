import type { Command } from 'commander';
import { SealError, Secret, publicKeyOf, unseal } from '../../core/seal/index.ts';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { checkBinding } from './seal.ts';

/** The environment variable that holds the fleet's seal private key. */
export const PRIVATE_KEY_ENV = 'SUPAFLEET_SEAL_PRIVATE_KEY';

/** `supafleet unseal --project P --field F`: sealed string on stdin, value on stdout. */
export function registerUnseal(program: Command, io: CommandIo): void {
  program
    .command('unseal')
    .description(`open a sealed value (read from stdin) with the private key in $${PRIVATE_KEY_ENV}`)
    .requiredOption('--project <name>', 'the project the value must belong to')
    .requiredOption('--field <path>', 'the field the value must belong to, e.g. auth.smtp.pass')
    .action(async (opts: { project: string; field: string }) => {
      checkBinding(opts.project, opts.field);
      const key = io.env[PRIVATE_KEY_ENV];
      if (key === undefined || key.trim() === '') {
        throw new UsageError(`${PRIVATE_KEY_ENV} is not set; expected the fleet's base64 seal private key`);
      }
      const sealed = (await io.readStdin(1024 * 1024)).trim();
      if (sealed === '') throw new UsageError('no sealed value on standard input');
      try {
        const privateKey = new Secret(key.trim());
        const publicKey = await publicKeyOf(privateKey);
        const value = await unseal(
          sealed,
          { project: opts.project, field: opts.field },
          { publicKey, privateKey },
        );
        io.stdout.write(`${value.reveal()}\n`);
        io.setExitCode(EXIT.ok);
      } catch (error) {
        if (!(error instanceof SealError)) throw error;
        io.stderr.write(`supafleet unseal: ${error.message}\n`);
        io.setExitCode(EXIT.invalid);
      }
    });
}
