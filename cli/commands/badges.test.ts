import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli-io.ts';
import { fleetYaml, projectYaml, writeFleetDir } from '../../test/support/fleet-fixture.ts';
import { useTempDirs } from '../../test/support/temp-dir.ts';
import { badgeJsonUrl, badgeMarkdown } from './badges.ts';

const tempDir = useTempDirs('supafleet-badges-');

describe('supafleet badges', () => {
  it('when a badge is rendered, then shields gets the urlencoded raw URL of the badge branch file', () => {
    expect(badgeJsonUrl('acme-corp/fleet', 'supafleet-status', 'acme')).toBe(
      'https://raw.githubusercontent.com/acme-corp/fleet/supafleet-status/badges/acme.json',
    );
    expect(badgeMarkdown('acme-corp/fleet', 'supafleet-status', 'acme')).toBe(
      '[![acme](https://img.shields.io/endpoint?url=https%3A%2F%2Fraw.githubusercontent.com%2Facme-corp%2Ffleet%2Fsupafleet-status%2Fbadges%2Facme.json)]' +
        '(https://github.com/acme-corp/fleet/blob/main/projects/acme.yaml)',
    );
  });

  it("when the fleet has projects, then one line per project is printed, sorted, from fleet.yaml's repository", async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'fleet.yaml': fleetYaml().replace('github: {', 'github: { repository: acme-corp/fleet,'),
      'projects/shop.yaml': projectYaml('shop'),
      'projects/acme.yaml': projectYaml('acme'),
    });
    const run = await runCli(['badges', '--root', root], { cwd: root });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[!\[acme\]\(https:\/\/img\.shields\.io\/endpoint\?url=https%3A%2F%2Fraw\.githubusercontent\.com%2F/,
    );
    expect(lines[0]).toContain('acme-corp%2Ffleet');
    expect(lines[1]).toMatch(/^\[!\[shop\]/);
  });

  it('when fleet.yaml names no repository and none is given, then the error says how to fix it', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    const run = await runCli(['badges', '--root', root], { cwd: root });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pass --repository owner/name');
  });

  it('when --repository and --branch are given, then they are used', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    const run = await runCli(['badges', '--root', root, '--repository', 'o/r', '--branch', 'status'], {
      cwd: root,
    });
    expect(run.stdout).toContain(
      encodeURIComponent('https://raw.githubusercontent.com/o/r/status/badges/acme.json'),
    );
  });

  it('when the repository is malformed, then it is a usage error', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {});
    const run = await runCli(['badges', '--root', root, '--repository', 'not a repo'], { cwd: root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected owner/name');
  });
});
