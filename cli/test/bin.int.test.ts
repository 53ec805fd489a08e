import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The installed command, as a user runs it (npx finds the project's own bin). */
function supafleet(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npx', ['--no-install', 'supafleet', ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GITHUB_ACTIONS: '', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the supafleet bin', () => {
  it('when it validates examples/fleet, then it exits 0', () => {
    const run = supafleet(['validate', '--root', 'examples/fleet']);
    expect(run.stderr).toMatch(/ok: fleet\.yaml and 3 projects are valid/);
    expect(run.status).toBe(0);
  });

  it('when it validates with --json, then it prints the documented shape', () => {
    const run = supafleet(['validate', '--root', 'examples/fleet', '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, projects: 3, errors: [] });
  });

  it('when the root does not exist, then it exits 2', () => {
    const run = supafleet(['validate', '--root', 'no/such/fleet']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/cannot read the fleet directory/);
  });
});
