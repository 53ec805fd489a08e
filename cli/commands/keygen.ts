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
      // The master reads the private key from a file only its API's user may read, installed as init does.
      const { MASTER_KEY_FILES, keyInstallCommand } = await import('../../cloud-init/master/keys.ts');
      const sealKey = MASTER_KEY_FILES.find((k) => k.file === 'fleet-seal.key')!;
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ publicKey, privateKey: privateKey.reveal() })}\n`);
      } else {
        io.stdout.write(
          [
            'Public key: put it in fleet.yaml as seal.public_key (safe to commit):',
            `  ${publicKey}`,
            'Private key: it goes to the master only, and a copy into your password manager. Never commit',
            'it; whoever holds it can open every sealed value:',
            `  ${privateKey.reveal()}`,
            "Save it as fleet-seal.key in init's key directory (--key-dir, default",
            '~/.config/supafleet/<fleet>, mode 0600, outside the repository) and `supafleet init` installs',
            "it on the master; or install it yourself, over SSH as the fleet's SSH user:",
            `  ${keyInstallCommand('<ssh user>@<master ipv4>', sealKey)}`,
            '',
          ].join('\n'),
        );
      }
      io.setExitCode(EXIT.ok);
    });
}
