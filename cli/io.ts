import type { InitDeps } from './init/ports.ts';

/** Where a command writes text. */
export interface TextSink {
  write(text: string): void;
}

/**
 * Everything the CLI touches outside itself. main() gets it as an argument, so
 * tests run commands in-process with fake streams, environment and directory.
 */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** All of standard input as text; rejects when it exceeds `maxBytes`. */
  readStdin(maxBytes: number): Promise<string>;
  /** True when standard input is a terminal (a person typing). */
  readonly stdinIsTty: boolean;
  /** True when standard output is a terminal: colours there only then (absent: not a terminal). */
  readonly stdoutIsTty?: boolean;
  /** True when standard error is a terminal: colours and progress lines there only then. */
  readonly stderrIsTty?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
  /**
   * Tests only: wraps `supafleet init`'s collaborators, for what a test cannot reach for real
   * (DNS, the master's address, SSH). Absent in the real process.
   */
  readonly initDeps?: (real: InitDeps) => InitDeps;
}

/** What a command's action gets: the I/O plus a way to set the exit code. */
export interface CommandIo extends CliIo {
  setExitCode(code: ExitCode): void;
}

/**
 * Exit codes of every supafleet command (docs/cli.md): 0 ok; 1 invalid (a spec, a sealed value,
 * a blocked plan, a failed smoke step); 2 usage or I/O error, or anything else that stopped the
 * command before it could answer.
 */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem with how the command was called, or with reading its input: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The real process's I/O. */
export function processIo(): CliIo {
  return {
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    readStdin: (maxBytes) => readStream(process.stdin, maxBytes),
    // Getters: Node creates a standard stream when it is first touched, which costs start time
    // for commands that never read stdin or write stdout.
    get stdinIsTty() {
      return process.stdin.isTTY === true;
    },
    get stdoutIsTty() {
      return process.stdout.isTTY === true;
    },
    get stderrIsTty() {
      return process.stderr.isTTY === true;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Reads a stream to its end as UTF-8, refusing more than `maxBytes`. */
export async function readStream(stream: AsyncIterable<Buffer | string>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxBytes) throw new UsageError(`standard input is larger than ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
