import { execFile } from 'node:child_process';

/** The outcome of a finished command. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

/** Runs a program with arguments (no shell). Injected so tests record command lines. */
export type Exec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

/** The real Exec: execFile with a timeout and a bounded output buffer; never rejects for a non-zero exit. */
export const execFileExec: Exec = (file, args, options) =>
  new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        const code = typeof e.code === 'number' ? e.code : e.killed ? 124 : 127;
        const where = options.cwd ? ` (in ${options.cwd})` : '';
        const why = typeof e.code === 'string' ? `${e.code}: cannot run ${file}${where}` : '';
        resolve({ code, stdout: stdout ?? '', stderr: stderr || why });
      },
    );
  });
