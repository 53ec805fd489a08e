import { Command, CommanderError } from 'commander';
import { registerMaster } from '../../cli/commands/master.ts';
import { EXIT, processIo, type CliIo, type ExitCode } from '../../cli/io.ts';

/**
 * Entry of the master's bundle (the container image): the `supafleet master`
 * commands alone, without the rest of the CLI. `node master.mjs master serve`.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: ExitCode = EXIT.ok;
  const program = new Command('supafleet')
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => io.stderr.write(t) });
  registerMaster(program, { ...io, setExitCode: (code) => void (exitCode = code) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.stderr.write(`supafleet: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}
