/**
 * Runs an action's `run()` in this process as a GitHub runner would: a synthetic
 * event file, `INPUT_*` variables, the runner's environment (step summary,
 * outputs, OIDC request URL), with stdout captured. The environment is put back
 * afterwards. Everything the run printed or wrote is returned, and masked values
 * are collected so tests can search the outputs for secrets.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunResult<T> {
  readonly value: T;
  /** The action called `core.setFailed` (exit code 1). */
  readonly failed: boolean;
  /** Every line the action printed (masking commands left out: the runner swallows them). */
  readonly log: string;
  /** Values the action masked with `core.setSecret`. */
  readonly masked: string[];
  readonly summary: string;
  readonly outputs: Record<string, string>;
}

export interface ActionRun {
  readonly event: string;
  readonly payload: Record<string, unknown>;
  readonly inputs: Record<string, string>;
  /** GITHUB_SHA (default: what `sha()` of the runner options gives). */
  readonly sha?: string;
  /** GITHUB_REF, which every runner sets (default: refs/heads/main). */
  readonly ref?: string;
}

export interface ActionRunnerOptions {
  readonly repository: string;
  readonly workspace: string;
  readonly githubUrl: string;
  /** The commit a run is for when it names none (usually the checkout's HEAD). */
  readonly sha: () => string;
  /** Extra runner environment, e.g. HCLOUD_ENDPOINT or the OIDC request URL and token. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ActionRunner {
  run<T>(fn: () => Promise<T>, opts: ActionRun): Promise<RunResult<T>>;
  /** The log, summary and outputs of every run so far, for secret searches. */
  readonly captured: string[];
  /** Every value any run masked. */
  readonly masked: Set<string>;
  close(): void;
}

export function createActionRunner(options: ActionRunnerOptions): ActionRunner {
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-runner-'));
  const captured: string[] = [];
  const maskedAll = new Set<string>();
  let counter = 0;
  return {
    captured,
    masked: maskedAll,
    close: () => rmSync(dir, { recursive: true, force: true }),
    async run<T>(fn: () => Promise<T>, opts: ActionRun): Promise<RunResult<T>> {
      const n = ++counter;
      const eventPath = join(dir, `event-${n}.json`);
      // @actions/core remembers the summary file of its first write: one file, emptied per run.
      const summaryPath = join(dir, 'step-summary.md');
      const outputPath = join(dir, `output-${n}.txt`);
      writeFileSync(eventPath, JSON.stringify(opts.payload));
      writeFileSync(summaryPath, '');
      writeFileSync(outputPath, '');
      const saved = { ...process.env };
      for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k];
      Object.assign(process.env, {
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: options.repository,
        GITHUB_SHA: opts.sha ?? options.sha(),
        GITHUB_REF: opts.ref ?? 'refs/heads/main',
        GITHUB_EVENT_NAME: opts.event,
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_WORKSPACE: options.workspace,
        GITHUB_API_URL: options.githubUrl,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: String(4000 + n),
        GITHUB_STEP_SUMMARY: summaryPath,
        GITHUB_OUTPUT: outputPath,
        ...options.env,
      });
      for (const [k, v] of Object.entries(opts.inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v;
      const lines: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array) => {
        lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      }) as typeof process.stdout.write;
      const before = process.exitCode;
      process.exitCode = undefined;
      let value: T;
      let failed: boolean;
      try {
        value = await fn();
      } finally {
        process.stdout.write = write;
        failed = process.exitCode === 1;
        process.exitCode = before;
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
      const all = lines.join('').split('\n');
      const masked = all
        .filter((x) => x.startsWith('::add-mask::'))
        .map((x) => x.slice('::add-mask::'.length));
      for (const m of masked) maskedAll.add(m);
      const log = all.filter((x) => !x.startsWith('::add-mask::')).join('\n');
      const summary = readFileSync(summaryPath, 'utf8');
      const outputs = parseOutputs(readFileSync(outputPath, 'utf8'));
      captured.push(log, summary, JSON.stringify(outputs));
      return { value: value!, failed, log, masked, summary, outputs };
    },
  };
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks → a map. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    out[m[1]!] = value.join('\n');
  }
  return out;
}
