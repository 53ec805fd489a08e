import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli-io.ts';
import { fakeSealed, projectYaml, writeFleetDir } from '../../test/support/fleet-fixture.ts';
import { useTempDirs } from '../../test/support/temp-dir.ts';

const tempDir = useTempDirs('supafleet-plan-');

async function fleet(projects: Record<string, string>): Promise<string> {
  const root = await tempDir();
  await writeFleetDir(
    root,
    Object.fromEntries(Object.entries(projects).map(([name, text]) => [`projects/${name}.yaml`, text])),
  );
  return root;
}

describe('supafleet plan', () => {
  it('when the fleet is valid, then the offline plan creates every project', async () => {
    const root = await fleet({ acme: projectYaml('acme'), blog: projectYaml('blog') });
    const run = await runCli(['plan', '--root', root], { cwd: root });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ acme: create');
    expect(run.stdout).toContain('+ blog: create');
    expect(run.stdout).toContain('Plan: 2 to create, 0 to update, 0 to delete, 0 blocked, 0 unchanged.');
  });

  it('when --markdown is given, then the output is the PR comment with its marker', async () => {
    const root = await fleet({ acme: projectYaml('acme') });
    const run = await runCli(['plan', '--root', root, '--markdown'], { cwd: root });
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('<!-- supafleet-plan -->\n')).toBe(true);
  });

  it('when --json is given, then the output parses with one create step', async () => {
    const root = await fleet({ acme: projectYaml('acme') });
    const run = await runCli(['plan', '--root', root, '--json'], { cwd: root });
    const parsed = JSON.parse(run.stdout) as { steps: { kind: string; project: string }[] };
    expect(parsed.steps.map((s) => [s.kind, s.project])).toEqual([['create', 'acme']]);
  });

  it('when a spec holds a sealed value, then no output contains it', async () => {
    const secret = fakeSealed('acme', 'functions.secrets.STRIPE_KEY');
    const root = await fleet({
      acme: projectYaml('acme', `functions:\n  secrets:\n    STRIPE_KEY: "${secret}"\n`),
    });
    for (const flag of [[], ['--json'], ['--markdown']]) {
      const run = await runCli(['plan', '--root', root, ...flag], { cwd: root });
      expect(run.code).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(secret.slice(-40));
    }
  });

  it('when a spec is invalid, then the errors are printed and the exit code is 1', async () => {
    const root = await fleet({ acme: projectYaml('acme').replace('cx22', 'cx99') });
    const run = await runCli(['plan', '--root', root], { cwd: root });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/projects\/acme\.yaml:\d+:\d+ \/server\/type/);
  });

  it('when both --json and --markdown are given, then it is a usage error', async () => {
    const root = await fleet({});
    const run = await runCli(['plan', '--root', root, '--json', '--markdown'], { cwd: root });
    expect(run.code).toBe(2);
  });
});
