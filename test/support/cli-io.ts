import type { CliIo } from '../../cli/io.ts';
import { readStream } from '../../cli/io.ts';
import { Readable } from 'node:stream';

/** A CLI run's captured output. */
export interface Captured {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

/** I/O for running the CLI in-process: given stdin, environment and directory; output captured. */
export function fakeIo(opts: { stdin?: string; env?: Record<string, string>; cwd: string }): Captured {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (text) => void (out += text) },
    stderr: { write: (text) => void (err += text) },
    readStdin: (maxBytes) => readStream(Readable.from([Buffer.from(opts.stdin ?? '')]), maxBytes),
    stdinIsTty: false,
    env: opts.env ?? {},
    cwd: opts.cwd,
  };
  return { io, stdout: () => out, stderr: () => err };
}

/** What one in-process CLI run returned and printed. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `supafleet <argv>` in-process. */
export async function runCli(
  argv: readonly string[],
  opts: { stdin?: string; env?: Record<string, string>; cwd: string },
): Promise<CliRun> {
  const { main } = await import('../../cli/main.ts');
  const captured = fakeIo(opts);
  const code = await main(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}
