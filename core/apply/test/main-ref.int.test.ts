/**
 * The actions that hold the read/write Hetzner token refuse to run for any ref but
 * refs/heads/main, before their first Hetzner call: each action's run() from a
 * synthetic runner environment (GitHub's default variables: github/docs@742d1a71
 * content/actions/reference/workflows-and-actions/variables.md, "Default environment
 * variables"), against the fake
 * Hetzner API, whose every request is recorded. A workflow edited on a branch, or a
 * `workflow_dispatch` with another ref, gets the refusal and Hetzner sees nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runMaster } from '../../../actions/master/src/run.ts';
import { run as runProvision } from '../../../actions/provision/src/run.ts';
import { run as runTeardown } from '../../../actions/teardown/src/run.ts';
import { realClock as clock } from '../ports.ts';
import { startFakeHetzner, type FakeHetzner } from '../../../fakes/hetzner/index.ts';
import { createActionRunner, type ActionRunner } from '../../../test/support/action-runner.ts';
import { writeFleetDir } from '../../../test/support/fleet-fixture.ts';
import { makeTempDir, removeTempDir } from '../../../test/support/temp-dir.ts';

const HCLOUD_TOKEN = `hc_${randomBytes(24).toString('hex')}`;

describe('the actions holding the Hetzner token run only on refs/heads/main', () => {
  let hetzner: FakeHetzner;
  let runner: ActionRunner;
  let workspace: string;

  beforeAll(async () => {
    workspace = await makeTempDir('supafleet-main-ref-');
    await writeFleetDir(workspace, {
      'projects/acme.yaml': 'name: acme\nserver: { type: cx22, location: fsn1 }\n',
    });
    hetzner = await startFakeHetzner({ token: HCLOUD_TOKEN, actionDurationMs: 0 });
    runner = createActionRunner({
      repository: 'acme-corp/fleet',
      workspace,
      // Never reached: every run below stops before any network call, or calls Hetzner only.
      githubUrl: 'http://127.0.0.1:9',
      sha: () => 'a'.repeat(40),
      env: { HCLOUD_ENDPOINT: hetzner.url },
    });
  });
  afterAll(async () => {
    runner?.close();
    await hetzner?.close();
    if (workspace) await removeTempDir(workspace);
  });

  const actions: readonly {
    name: string;
    run: () => Promise<unknown>;
    inputs: Record<string, string>;
  }[] = [
    {
      name: 'provision',
      run: () => runProvision({ clock }),
      inputs: { 'hetzner-token': HCLOUD_TOKEN, 'master-url': 'http://127.0.0.1:9' },
    },
    {
      name: 'teardown',
      run: () => runTeardown({ clock }),
      inputs: { 'hetzner-token': HCLOUD_TOKEN, 'master-url': 'http://127.0.0.1:9' },
    },
    {
      name: 'master',
      run: () => runMaster({ clock }),
      inputs: { 'hetzner-token': HCLOUD_TOKEN, mode: 'rebuild', confirm: 'test-master' },
    },
  ];
  const refs = [
    ['a branch pushed by a collaborator', 'push', 'refs/heads/evil'],
    ['a workflow_dispatch with --ref of a branch', 'workflow_dispatch', 'refs/heads/feature/x'],
    ['a tag', 'workflow_dispatch', 'refs/tags/v1.0.0'],
    ["a pull request's merge ref", 'pull_request', 'refs/pull/7/merge'],
    ['a branch named like main elsewhere', 'push', 'refs/heads/main-old'],
  ] as const;

  for (const action of actions) {
    for (const [what, event, ref] of refs) {
      it(`when ${action.name} runs on ${what} (${ref}), then it fails naming the ref and makes no Hetzner call`, async () => {
        const before = hetzner.calls().length;
        const r = await runner.run(action.run, { event, payload: {}, inputs: action.inputs, ref });
        expect(r.failed).toBe(true);
        expect(r.value).toBeUndefined();
        expect(r.log).toContain(
          `supafleet ${action.name} runs only on refs/heads/main, and this run is on ${JSON.stringify(ref)}`,
        );
        expect(r.log).toContain('merge the change into main');
        expect(hetzner.calls().length).toBe(before);
        expect([r.log, r.summary, JSON.stringify(r.outputs)].join('\n')).not.toContain(HCLOUD_TOKEN);
      });
    }
  }

  it('when the master action runs without GITHUB_REF, then it is refused too (fail safe)', async () => {
    const before = hetzner.calls().length;
    const r = await runner.run(actions[2]!.run, {
      event: 'workflow_dispatch',
      payload: {},
      inputs: actions[2]!.inputs,
      ref: '',
    });
    expect(r.failed).toBe(true);
    expect(r.log).toContain('this run is on no ref (GITHUB_REF is unset)');
    expect(hetzner.calls().length).toBe(before);
  });

  it('when the master action runs on refs/heads/main, then it passes the guard and asks Hetzner', async () => {
    const before = hetzner.calls().length;
    const r = await runner.run(actions[2]!.run, {
      event: 'workflow_dispatch',
      payload: {},
      inputs: actions[2]!.inputs,
      ref: 'refs/heads/main',
    });
    // No master exists in the fake, so the rebuild itself is refused, but only after asking.
    expect(r.log).not.toContain('runs only on refs/heads/main');
    expect(r.log).toContain('there is no master to rebuild');
    expect(hetzner.calls().length).toBeGreaterThan(before);
  });
});
