import { spawn } from 'node:child_process';

/**
 * Runs external commands without a shell, arguments as an array. The peer manager's only way
 * to touch the system, so unit tests can record and answer its calls.
 */
export interface CommandRunner {
  /** Runs `command args…`; `stdin` is written to its standard input. Rejects on a non-zero exit. */
  run(
    command: string,
    args: readonly string[],
    options?: { stdin?: string },
  ): Promise<{ stdout: string; stderr: string }>;
}

/**
 * A command that failed. The message carries the command line and its stderr, never its stdin
 * or stdout (`wg show dump` prints the private key, `wg syncconf` reads it).
 */
export class CommandError extends Error {
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    command: string,
    args: readonly string[],
    exitCode: number | null,
    stderr: string,
    reason?: string,
  ) {
    const why = reason ?? `exit ${exitCode}`;
    const detail = stderr.trim().slice(0, 500);
    super(`${[command, ...args].join(' ')} failed (${why})${detail ? `: ${detail}` : ''}`);
    this.name = 'CommandError';
    this.command = command;
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface ProcessRunnerOptions {
  /** Per-command time limit; the child is killed after it. Default 15 s. */
  timeoutMs?: number;
  /** Upper bound on captured stdout and stderr. Default 1 MiB each. */
  maxOutput?: number;
}

/** The real runner: `spawn` without a shell. */
export function processRunner(options: ProcessRunnerOptions = {}): CommandRunner {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxOutput = options.maxOutput ?? 1024 * 1024;
  return {
    run(command, args, runOptions = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(command, [...args], { shell: false, stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let outSize = 0;
        let errSize = 0;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.stdout.on('data', (c: Buffer) => {
          outSize += c.length;
          if (outSize <= maxOutput) out.push(c);
        });
        child.stderr.on('data', (c: Buffer) => {
          errSize += c.length;
          if (errSize <= maxOutput) err.push(c);
        });
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(new CommandError(command, args, null, '', e.message));
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          const stdout = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(err).toString('utf8');
          if (timedOut)
            reject(new CommandError(command, args, code, stderr, `timed out after ${timeoutMs} ms`));
          else if (code !== 0) reject(new CommandError(command, args, code, stderr));
          else resolve({ stdout, stderr });
        });
        child.stdin.on('error', () => {
          // The command may exit before reading its input; its exit code tells what happened.
        });
        child.stdin.end(runOptions.stdin ?? '');
      });
    },
  };
}

/** One call a recording runner saw. */
export interface RecordedCommand {
  command: string;
  args: string[];
  stdin?: string;
}

/** Answers a recorded call: stdout to return, or an exit code and stderr to fail with. */
export type CommandResponder = (
  call: RecordedCommand,
) => { stdout?: string; stderr?: string; exitCode?: number } | void;

/** A runner for unit tests: records every call and answers with `responder`. */
export function recordingRunner(responder: CommandResponder = () => undefined): {
  runner: CommandRunner;
  calls: RecordedCommand[];
} {
  const calls: RecordedCommand[] = [];
  return {
    calls,
    runner: {
      async run(command, args, options = {}) {
        const call: RecordedCommand = {
          command,
          args: [...args],
          ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        };
        calls.push(call);
        const res = responder(call) ?? {};
        if (res.exitCode !== undefined && res.exitCode !== 0) {
          throw new CommandError(command, args, res.exitCode, res.stderr ?? '');
        }
        return { stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
      },
    },
  };
}
