/**
 * The committed bundles run on this machine's Node (20) with nothing but the runner's
 * environment: the plan action plans the example fleet offline, and every other action
 * fails with a message naming the input it misses.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'supafleet-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBundle(action: string, inputs: Record<string, string> = {}) {
  const summary = join(dir, `${action}-summary.md`);
  const output = join(dir, `${action}-output.txt`);
  const event = join(dir, 'event.json');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  writeFileSync(event, '{}');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GITHUB_REPOSITORY: 'acme-corp/fleet',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    // the actions that hold the Hetzner token run only on main (issue 13, H2)
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_PATH: event,
    GITHUB_WORKSPACE: join(root, 'examples', 'fleet'),
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const r = spawnSync(process.execPath, [join(root, 'actions', action, 'dist', 'index.js')], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    status: r.status,
    stdout: r.stdout,
    summary: readFileSync(summary, 'utf8'),
    output: readFileSync(output, 'utf8'),
  };
}

describe('committed action bundles', () => {
  it('when the plan bundle runs on the example fleet without a master, then it plans three creates', () => {
    const r = runBundle('plan');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Plan: 3 to create, 0 to update, 0 to delete, 0 blocked, 0 unchanged.');
    expect(r.output).toMatch(/^creates<<(.+)\n3\n\1$/m);
    expect(r.summary).toContain('<!-- supafleet-plan -->');
  });

  it.each([
    { action: 'teardown', message: 'input master-url is empty' },
    { action: 'route', message: 'input project "" is not a project name' },
    { action: 'backup', message: 'input master-url is empty' },
    { action: 'health', message: 'input master-url is empty' },
    { action: 'provision', message: 'input hetzner-token is required' },
    { action: 'master', message: 'input hetzner-token is required' },
  ])(
    'when the $action bundle runs without its inputs, then it fails naming what is missing',
    ({ action, message }) => {
      const r = runBundle(action);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`::error::supafleet ${action} failed: ${message}`);
    },
  );

  it.each(['plan', 'provision', 'route', 'teardown', 'backup', 'health', 'master'])(
    'when the %s bundle is measured, then it is one minified file under 2 MiB',
    (action) => {
      const bytes = statSync(join(root, 'actions', action, 'dist', 'index.js')).size;
      expect(bytes).toBeLessThan(2 * 1024 * 1024);
    },
  );
});
