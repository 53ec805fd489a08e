import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { commands } from './commands/index.ts';
import { EXIT, processIo, type CliIo, type ExitCode } from './io.ts';

/**
 * Runs the `supafleet` command line and returns the exit code: 0 ok, 1 invalid
 * (specs, sealed values, a blocked plan, a failed smoke), 2 usage or I/O error or
 * anything else that stopped the command. Never exits the process itself. With
 * `--json`, a command that stops on an error still prints one JSON object on
 * stdout: `{"ok": false, "exitCode": 2, "error": "…"}`.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: ExitCode = EXIT.ok;
  const program = new Command('supafleet')
    .description('GitOps for a fleet of self-hosted Supabase projects on Hetzner Cloud')
    .version(pkg.version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run supafleet --help for usage)')
    .allowExcessArguments(false);
  // Inherits from io instead of copying it: processIo()'s terminal checks stay lazy getters.
  const commandIo = Object.assign(Object.create(io) as CliIo, {
    setExitCode: (code: ExitCode) => void (exitCode = code),
  });
  for (const register of commands) register(program, commandIo);

  const json = argv.includes('--json');
  const failed = (message: string): ExitCode => {
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, exitCode: EXIT.usage, error: message })}\n`);
    return EXIT.usage;
  };
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; a bad option or argument is a usage error
      // (commander has already said which on stderr).
      return error.exitCode === 0 ? EXIT.ok : failed(error.message.replace(/^error: /, ''));
    }
    // Usage errors and I/O failures; invalid specs and sealed values are reported by the commands.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`supafleet: ${message}\n`);
    return failed(message);
  }
}
