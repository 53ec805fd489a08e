import type { Command } from 'commander';
import { EXIT, type CommandIo } from '../io.ts';

/** `supafleet keygen [--json]`: a new fleet seal keypair. */
export function registerKeygen(program: Command, io: CommandIo): void {
  program
    .command('keygen')
    .description(
      'make a new fleet seal keypair (the public key goes in fleet.yaml, the private key to the master)',
    )
    .option('--json', 'print {"publicKey", "privateKey"} (base64)')
    .action(async (opts: { json?: boolean }) => {
      const { generateSealKeypair } = await import('../../core/seal/index.ts');
      const { publicKey, privateKey } = await generateSealKeypair();
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ publicKey, privateKey: privateKey.reveal() })}\n`);
      } else {
        io.stdout.write(
          [
            'Public key: put it in fleet.yaml as seal.public_key (safe to commit):',
            `  ${publicKey}`,
            'Private key: store it as the repository secret SUPAFLEET_SEAL_PRIVATE_KEY, which only the',
            'master receives. Never commit it; whoever holds it can open every sealed value:',
            `  ${privateKey.reveal()}`,
            '',
          ].join('\n'),
        );
      }
      io.setExitCode(EXIT.ok);
    });
}
