/**
 * The GitOps loop through the actions themselves, on the namespace lab: each
 * action's run() from a synthetic runner environment, with a git checkout
 * mirrored into the GitHub fake. A pull request adds examples/fleet's three
 * projects → the plan comment shows three creates → merged, provision brings
 * them up (success statuses) → health writes statuses and badges → a manual
 * backup of all → a pull request deletes shop → merged, teardown removes it.
 *
 * Then the leak scan: every log line, summary and output of every action run,
 * every comment, status and badge in the GitHub fake, and every log the lab's
 * processes wrote are searched for every generated secret value (the lab's keys
 * and tokens, each project's JWT secret, keys and database password, the
 * enrollment tokens and the agents' tokens, and the plaintexts of the sealed
 * values); any hit fails.
 *
 * Needs root and the WireGuard tools and PostgreSQL; skips with the reason
 * otherwise (fails instead when CI=true).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runBackup } from '../actions/backup/src/run.ts';
import { run as runHealth } from '../actions/health/src/run.ts';
import { run as runPlan } from '../actions/plan/src/run.ts';
import { run as runProvision } from '../actions/provision/src/run.ts';
import { run as runTeardown } from '../actions/teardown/src/run.ts';
import { memoryLogger } from '../core/apply/ports.ts';
import type { SmokeRunner } from '../core/apply/smoke.ts';
import { runSmoke } from '../core/smoke/index.ts';
import type { Credentials } from '../core/master-client/types.ts';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github/server.ts';
import { PLAN_MARKER } from '../core/plan/index.ts';
import { Secret, unseal } from '../core/seal/index.ts';
import { createActionRunner, type ActionRunner } from '../test/support/action-runner.ts';
import { createGitWorkspace, type GitWorkspace } from '../test/support/git-workspace.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { demoMasterClient, labTarget, loadFleet } from './demo/apply.ts';
import { readExampleSealKey } from './lab/behind-caddy.ts';
import { leftovers, namespaceLabSkipReason, startFleetLab, type FleetLab } from './lab/index.ts';

const skip = process.env.CI === 'true' ? undefined : (namespaceLabSkipReason() ?? postgresSkipReason());
if (skip) console.log(`skipping the GitOps e2e test: ${skip}`);

const root = resolve('examples/fleet');
const GITHUB_TOKEN = `ghs_${'e2e'.repeat(12)}`;
const PROJECTS = ['acme', 'blog', 'shop'] as const;

describe.skipIf(skip !== undefined)('the GitOps loop through the actions on the fleet lab', () => {
  let lab: FleetLab;
  let github: FakeGitHub;
  let checkout: GitWorkspace;
  let runner: ActionRunner;
  let sealKey: string;
  const credentials = new Map<string, Credentials>();

  beforeAll(async () => {
    const loaded = await loadFleet(root);
    sealKey = readExampleSealKey(root);
    lab = await startFleetLab({ fleet: { spec: loaded.fleet, sealPrivateKey: sealKey } });
    github = await startFakeGitHub({ owner: 'example-org', repo: 'fleet', token: GITHUB_TOKEN });
    checkout = createGitWorkspace(github);
    checkout.commit(
      {
        'fleet.yaml': readFileSync(join(root, 'fleet.yaml'), 'utf8'),
        'projects/README.md': 'One file per project.\n',
      },
      'fleet',
    );
    runner = createActionRunner({
      repository: 'example-org/fleet',
      workspace: checkout.dir,
      githubUrl: github.url,
      sha: checkout.head,
      env: { HCLOUD_ENDPOINT: lab.hetzner.url },
    });
  }, 90_000);

  afterAll(async () => {
    runner?.close();
    checkout?.close();
    await github?.close();
    if (!lab) return;
    const trace = lab.trace();
    await lab.stop();
    expect(leftovers(trace)).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  }, 60_000);

  const master = () => ({ 'master-url': lab.masterUrl, 'api-token': lab.apiToken });
  const applyInputs = () => ({
    ...master(),
    'hetzner-token': lab.hcloudToken,
    'github-token': GITHUB_TOKEN,
    'master-wg-public-key': lab.masterWgPublicKey,
    'wait-minutes': '1',
    'backup-minutes': '1',
  });
  let pr = 0;
  /** A pull request: its commit on top of main, then the plan action on it. */
  const openPr = async (changes: Record<string, unknown>) => {
    const base = checkout.head();
    const head = checkout.commit(changes, `pr ${++pr}`);
    const plan = await runner.run(() => runPlan(), {
      event: 'pull_request',
      payload: { number: pr, pull_request: { number: pr, base: { sha: base }, head: { sha: head } } },
      inputs: { ...master(), 'hetzner-token': lab.hcloudToken, 'github-token': GITHUB_TOKEN },
      sha: head,
    });
    return { base, plan };
  };
  /**
   * The provision action's smoke, pointed at the Kong fake's proxy: this story has no
   * Caddy the namespace master could reach, so the test plays the master's smoke endpoint
   * (e2e/master-smoke.e2e.test.ts runs the real one) with the lab's admin token, asking the
   * project's URL over plain http at Kong's port.
   */
  const smoke: SmokeRunner = async (project) => {
    const c = await demoMasterClient(labTarget(lab), memoryLogger()).credentials(project);
    return runSmoke({
      project,
      target: {
        url: c.url.replace(/^https:/, 'http:'),
        anonKey: c.anon_key,
        serviceRoleKey: c.service_role_key,
      },
      resolve: { address: '127.0.0.1', port: Number(new URL(lab.kongProxyUrl).port) },
      stepTimeoutMs: 10_000,
    });
  };
  /** Merged: apply runs provision then teardown for the push, as apply.yml does. */
  const merge = async (before: string) => {
    const payload = { before, after: checkout.head(), ref: 'refs/heads/main' };
    const provision = await runner.run(() => runProvision({ pollMs: 300, smoke }), {
      event: 'push',
      payload,
      inputs: applyInputs(),
    });
    const teardown = await runner.run(() => runTeardown({ pollMs: 300 }), {
      event: 'push',
      payload,
      inputs: applyInputs(),
    });
    return { provision, teardown };
  };
  const statuses = (project: string) =>
    github.state.statuses.filter((s) => s.context === `supafleet/${project}`);

  it('when a pull request adds three projects and is merged, then the plan shows three creates and all three come up', async () => {
    const files = Object.fromEntries(
      PROJECTS.map((p) => [`projects/${p}.yaml`, readFileSync(join(root, 'projects', `${p}.yaml`), 'utf8')]),
    );
    const { base, plan } = await openPr(files);
    expect(plan.failed, plan.log).toBe(false);
    expect(plan.outputs).toMatchObject({ creates: '3', updates: '0', deletes: '0', blocked: '0' });
    const comments = github.state.comments.filter((c) => c.body.includes(PLAN_MARKER));
    expect(comments).toHaveLength(1);

    const { provision, teardown } = await merge(base);
    expect(provision.failed, provision.log).toBe(false);
    expect(teardown.failed, teardown.log).toBe(false);
    expect(provision.outputs.created?.split(',').sort()).toEqual([...PROJECTS]);
    for (const p of PROJECTS) expect(statuses(p).at(-1)).toMatchObject({ state: 'success' });
    // after health and routes, supafleet smoke passed on each (its own status)
    for (const p of PROJECTS) {
      const smoked = github.state.statuses.filter((x) => x.context === `supafleet/${p}/smoke`);
      expect(smoked.at(-1), provision.log).toMatchObject({ state: 'success' });
    }
    const client = demoMasterClient(labTarget(lab), memoryLogger());
    for (const p of PROJECTS) credentials.set(p, await client.credentials(p));
  }, 180_000);

  it('when health and a backup of all run, then statuses, badges and the backup summary report each project', async () => {
    const health = await runner.run(() => runHealth(), {
      event: 'schedule',
      payload: {},
      inputs: { ...master(), 'github-token': GITHUB_TOKEN, 'badge-branch': 'supafleet-status' },
    });
    expect(health.failed, health.log).toBe(false);
    expect(health.value?.map((h) => [h.project, h.state])).toEqual(PROJECTS.map((p) => [p, 'healthy']));
    const branch = github.state.refs.get('supafleet-status')!;
    const badges = github.state.commits.get(branch)!.files;
    for (const p of PROJECTS)
      expect(JSON.parse(badges.get(`badges/${p}.json`)!)).toMatchObject({ message: 'healthy' });

    const backup = await runner.run(() => runBackup({ pollMs: 300 }), {
      event: 'workflow_dispatch',
      payload: { inputs: { project: 'all' } },
      inputs: { ...master(), project: 'all', 'wait-minutes': '1' },
    });
    expect(backup.failed, backup.log).toBe(false);
    expect(backup.value?.map((b) => [b.project, b.state])).toEqual(PROJECTS.map((p) => [p, 'succeeded']));
  }, 180_000);

  it('when a pull request deletes shop and is merged, then teardown removes its server, routes and row', async () => {
    const { base, plan } = await openPr({ 'projects/shop.yaml': null });
    expect(plan.failed, plan.log).toBe(false);
    expect(plan.outputs).toMatchObject({ deletes: '1', blocked: '0' });
    const { teardown } = await merge(base);
    expect(teardown.failed, teardown.log).toBe(false);
    expect(teardown.outputs.deleted).toBe('shop');
    expect(
      lab.hetzner
        .state()
        .servers.map((s) => s.labels['supafleet/project'])
        .sort(),
    ).toEqual(['acme', 'blog']);
  }, 180_000);

  it('when the run is over, then no generated secret appears in any log, comment, summary, status or badge', async () => {
    // the secret values: the lab's, every project's, what the actions masked, and the sealed plaintexts
    const values = new Set<string>([...lab.secrets, ...runner.masked, GITHUB_TOKEN]);
    for (const c of credentials.values()) {
      for (const v of [c.anon_key, c.service_role_key, c.jwt_secret, c.postgres_password]) values.add(v);
    }
    const keys = { publicKey: lab.fleet.seal.public_key, privateKey: new Secret(sealKey) };
    let sealed = 0;
    for (const p of PROJECTS) {
      const text = readFileSync(join(root, 'projects', `${p}.yaml`), 'utf8');
      for (const m of text.matchAll(/sealed:v1:([a-z0-9-]+):([A-Za-z0-9_.]+):[A-Za-z0-9+/=]+/g)) {
        values.add((await unseal(m[0], { project: m[1]!, field: m[2]! }, keys)).reveal());
        sealed++;
      }
    }
    expect(sealed).toBe(7);
    expect(credentials.size).toBe(3);

    // every output of the run
    const outputs: [string, string][] = [
      ...runner.captured.map((t, i): [string, string] => [`action output ${i}`, t]),
      ...github.state.comments.map((c): [string, string] => [`comment ${c.id}`, c.body]),
      ...github.state.statuses.map((s): [string, string] => [
        `status ${s.context}`,
        `${s.description ?? ''} ${s.target_url ?? ''}`,
      ]),
      ...[...github.state.commits.values()].flatMap((c) =>
        [...c.files].map(([f, text]): [string, string] => [`${c.sha.slice(0, 7)}:${f}`, text]),
      ),
      ['lab logs', lab.logs()],
    ];
    expect(github.state.comments.length).toBeGreaterThan(0);
    expect(github.state.statuses.length).toBeGreaterThan(0);
    const hits = outputs.flatMap(([where, text]) =>
      [...values].filter((v) => v.length >= 8 && text.includes(v)).map(() => where),
    );
    expect(hits, 'outputs that hold a generated secret').toEqual([]);
    expect(values.size).toBeGreaterThan(20);
  }, 60_000);
});
