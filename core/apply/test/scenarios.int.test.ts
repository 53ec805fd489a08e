/**
 * Acceptance scenarios of the GitOps loop: each action's run() against the real
 * master (real Postgres), the fake Kong, Hetzner and GitHub APIs, with simulated
 * workers, from synthetic runner environments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runBackup } from '../../../actions/backup/src/run.ts';
import { run as runHealth } from '../../../actions/health/src/run.ts';
import { run as runMaster } from '../../../actions/master/src/run.ts';
import { run as runPlan } from '../../../actions/plan/src/run.ts';
import { run as runProvision } from '../../../actions/provision/src/run.ts';
import { run as runRoute } from '../../../actions/route/src/run.ts';
import { run as runTeardown } from '../../../actions/teardown/src/run.ts';
import { isMutating } from '../../../fakes/kong/fake.ts';
import { projectSecrets } from '../../../master/src/projects.ts';
import { secretValues } from '../../secrets/generate.ts';
import { AUDIENCE } from '../../../master/test/harness.ts';
import { postgresSkipReason } from '../../../test/support/postgres.ts';
import { PLAN_MARKER } from '../../plan/index.ts';
import {
  fastClock,
  HCLOUD_TOKEN,
  GITHUB_TOKEN,
  MASTER_WG_KEY,
  startScenarioLab,
  type ScenarioLab,
} from './lab.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping the action scenarios: ${skip}`);

const acme = (extra: Record<string, unknown> = {}) => ({
  name: 'acme',
  server: { type: 'cx22', location: 'fsn1' },
  protect: true,
  ...extra,
});

describe.skipIf(skip !== undefined)('actions against the real master and the fakes', () => {
  let s: ScenarioLab;
  let pr = 0;
  let lastBase = '';
  const clock = fastClock();
  const common = () => ({ 'master-url': s.masterUrl, audience: AUDIENCE });

  /** A pull request: commits on top of main in a throwaway way (the checkout shows the merge result). */
  const openPr = async (changes: Record<string, unknown | null>) => {
    const base = s.head();
    const head = s.commit(changes, `pr ${++pr}`);
    const result = await s.runAction(() => runPlan({ clock }), {
      event: 'pull_request',
      payload: { number: pr, pull_request: { number: pr, base: { sha: base }, head: { sha: head } } },
      inputs: { ...common(), 'hetzner-token': HCLOUD_TOKEN, 'github-token': GITHUB_TOKEN },
      sha: head,
      oidc: { ref: `refs/pull/${pr}/merge`, event: 'pull_request', workflow: 'plan.yml', environment: null },
    });
    return { base, head, result };
  };
  /** Merge = the PR's commit is on main; apply runs provision then teardown, as apply.yml does. */
  const apply = async (before: string, opts: { waitMinutes?: string } = {}) => {
    const inputs = {
      ...common(),
      'hetzner-token': HCLOUD_TOKEN,
      'github-token': GITHUB_TOKEN,
      'master-wg-public-key': MASTER_WG_KEY,
      'wait-minutes': opts.waitMinutes ?? '20',
      'backup-minutes': '30',
    };
    const payload = { before, after: s.head(), ref: 'refs/heads/main' };
    const provision = await s.runAction(() => runProvision({ clock, pollMs: 2000 }), {
      event: 'push',
      payload,
      inputs,
    });
    const teardown = await s.runAction(() => runTeardown({ clock, pollMs: 1000 }), {
      event: 'push',
      payload,
      inputs,
    });
    return { provision, teardown };
  };
  const servers = (project: string) =>
    s.hetzner.state().servers.filter((x) => x.labels['supafleet/project'] === project);
  const statuses = (project: string) =>
    s.github.state.statuses.filter((x) => x.context === `supafleet/${project}`);
  /** The plan comments on the current pull request. */
  const comments = () =>
    s.github.state.comments.filter((c) => c.issue === pr && c.body.includes(PLAN_MARKER));

  beforeAll(async () => {
    s = await startScenarioLab();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('when a pull request adds a project, then the sticky comment shows one create', async () => {
    const { result, base } = await openPr({ 'projects/acme.yaml': acme() });
    lastBase = base;
    expect(result.failed).toBe(false);
    expect(result.outputs).toMatchObject({ creates: '1', updates: '0', deletes: '0', blocked: '0' });
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toMatch(/acme/);
    expect(comments()[0]!.body).toMatch(/create/i);
    expect(result.summary).toContain(PLAN_MARKER);
  });

  it('when it is merged, then a labelled server, a peer, routes and a success status exist', async () => {
    const { provision, teardown } = await apply(lastBase);
    expect(provision.log).not.toMatch(/::error/);
    expect(provision.failed).toBe(false);
    expect(teardown.failed).toBe(false);
    expect(provision.outputs.created).toBe('acme');
    const [server, ...extra] = servers('acme');
    expect(extra).toEqual([]);
    expect(server!.labels).toEqual({
      'supafleet/fleet': 'prod',
      'supafleet/project': 'acme',
      'supafleet/role': 'worker',
    });
    expect(server!.name).toBe('prod-acme');
    const row = await s.l.deps.registry.getProject('acme');
    expect(row?.peerPublicKey).toBeTruthy();
    expect(s.l.peers.peers.has(row!.peerPublicKey!)).toBe(true);
    const services = s.kong.state().services.filter((x) => x.tags?.includes('project-acme'));
    expect(services.length).toBeGreaterThan(0);
    expect(services.every((x) => x.host === row!.wgIp)).toBe(true);
    expect(statuses('acme').at(-1)).toMatchObject({ state: 'success', sha: s.head() });
  });

  it("when it is merged, then the apply's OIDC principal (write scope, no admin) has the master run the smoke, and its report sets supafleet/acme/smoke", async () => {
    const smoked = s.github.state.statuses.filter((x) => x.context === 'supafleet/acme/smoke');
    expect(s.smokeChecks).toEqual(['acme']);
    expect(smoked).toHaveLength(1);
    expect(smoked[0]).toMatchObject({
      state: 'success',
      sha: s.head(),
      description: 'smoke passed: 1 steps in 0.0 s',
    });
    const audit = await s.l.deps.registry.listAudit('acme');
    expect(audit.find((a) => a.action === 'project.smoke')).toMatchObject({
      actor: { kind: 'oidc', workflow: expect.stringContaining('apply.yml'), ref: 'refs/heads/main' },
    });
    expect(audit.some((a) => a.action === 'project.credentials')).toBe(false);
  });

  it('when apply runs again with nothing changed, then Hetzner and Kong see no mutating call', async () => {
    const hetznerBefore = s.hetzner.calls().length;
    s.kong.resetCalls();
    const { provision, teardown } = await apply(s.head());
    expect(provision.failed).toBe(false);
    expect(teardown.failed).toBe(false);
    const hetznerCalls = s.hetzner.calls().slice(hetznerBefore);
    expect(hetznerCalls.length).toBeGreaterThan(0);
    expect(hetznerCalls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(s.kong.calls().filter(isMutating)).toEqual([]);
    expect(servers('acme')).toHaveLength(1);
  });

  it('when a pull request edits the project, then the plan shows an in-place update and merging applies it', async () => {
    const { base, result } = await openPr({
      'projects/acme.yaml': acme({ api: { cors_origins: ['https://acme.example.org'] } }),
    });
    expect(result.failed).toBe(false);
    expect(result.outputs).toMatchObject({ creates: '0', updates: '1', deletes: '0' });
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toMatch(/cors_origins/);
    expect(result.value?.steps.find((x) => x.project === 'acme')).toMatchObject({
      kind: 'update',
      mode: 'in_place',
    });
    const { provision } = await apply(base);
    expect(provision.failed).toBe(false);
    expect(provision.outputs.updated).toBe('acme');
    expect((await s.l.deps.registry.getProject('acme'))?.revision).toBe(2);
    expect(servers('acme')).toHaveLength(1);
    expect(s.hetzner.calls().filter((c) => c.method === 'POST' && /\/servers$/.test(c.path))).toHaveLength(1);
  });

  it('when a pull request deletes a protected project, then the plan check fails', async () => {
    const { result, base, head } = await openPr({ 'projects/acme.yaml': null });
    expect(result.failed).toBe(true);
    expect(result.outputs.blocked).toBe('1');
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toMatch(/protect/);
    const first = comments()[0]!;
    // A re-run of the check updates the same comment in place.
    const rerun = await s.runAction(() => runPlan({ clock }), {
      event: 'pull_request',
      payload: { number: pr, pull_request: { number: pr, base: { sha: base }, head: { sha: head } } },
      inputs: { ...common(), 'hetzner-token': HCLOUD_TOKEN, 'github-token': GITHUB_TOKEN },
      sha: head,
      oidc: { ref: `refs/pull/${pr}/merge`, event: 'pull_request', workflow: 'plan.yml', environment: null },
    });
    expect(rerun.failed).toBe(true);
    expect(rerun.log).toContain(`plan comment updated on #${pr}`);
    expect(comments()).toEqual([expect.objectContaining({ id: first.id })]);
    // The pull request is closed: main goes back to the applied spec.
    s.commit(
      { 'projects/acme.yaml': acme({ api: { cors_origins: ['https://acme.example.org'] } }) },
      'revert',
    );
  });

  it('when protection is turned off and the file deleted, then a final backup runs and the server, routes and row go', async () => {
    const unprotect = await openPr({
      'projects/acme.yaml': acme({ protect: false, api: { cors_origins: ['https://acme.example.org'] } }),
    });
    expect(unprotect.result.failed).toBe(false);
    expect((await apply(unprotect.base)).provision.failed).toBe(false);
    const del = await openPr({ 'projects/acme.yaml': null });
    expect(del.result.failed).toBe(false);
    expect(del.result.outputs).toMatchObject({ deletes: '1', blocked: '0' });
    const { teardown } = await apply(del.base);
    expect(teardown.failed).toBe(false);
    expect(teardown.outputs.deleted).toBe('acme');
    const backups = await s.l.deps.registry.listBackups('acme', 10);
    expect(backups[0]).toMatchObject({ state: 'succeeded', snapshotId: 'a1b2c3d4' });
    expect(servers('acme')).toEqual([]);
    expect(s.kong.state().services.filter((x) => x.tags?.includes('project-acme'))).toEqual([]);
    expect((await s.l.deps.registry.getProject('acme'))?.status).toBe('deleted');
    expect(teardown.summary).toMatch(/a1b2c3d4/);
  });

  it('when Hetzner answers 429 and 503 bursts during the create, then apply converges with one server', async () => {
    const before = s.head();
    s.commit(
      { 'projects/blog.yaml': { name: 'blog', server: { type: 'cx22', location: 'nbg1' } } },
      'add blog',
    );
    // Within the client's five tries: two 429s, a 503, then a create whose answer is lost.
    s.hetzner.inject({ kind: 'error', status: 503, match: 'GET /servers', times: 2 });
    s.hetzner.inject({ kind: 'error', status: 429, match: 'POST /servers', times: 2 });
    s.hetzner.inject({ kind: 'error', status: 503, match: 'POST /servers', times: 1 });
    s.hetzner.inject({ kind: 'lose_response', match: 'POST /servers', times: 1 });
    const { provision } = await apply(before);
    expect(provision.failed, provision.log).toBe(false);
    expect(provision.outputs.created).toBe('blog');
    expect(provision.log).toMatch(/retry/);
    expect(servers('blog')).toHaveLength(1);
    expect(statuses('blog').at(-1)?.state).toBe('success');
  });

  it('when a worker never becomes healthy, then the wait times out, the run is undone and the status fails', async () => {
    s.workerMode.set('shop', 'never-enrolls');
    const before = s.head();
    s.commit(
      { 'projects/shop.yaml': { name: 'shop', server: { type: 'cx22', location: 'hel1' } } },
      'add shop',
    );
    const { provision } = await apply(before, { waitMinutes: '1' });
    expect(provision.failed).toBe(true);
    expect(provision.outputs.failed).toBe('shop');
    expect(provision.log).toMatch(/did not become healthy/);
    expect(provision.log).toMatch(/undo: server \d+ deleted/);
    expect(servers('shop')).toEqual([]);
    expect((await s.l.deps.registry.getProject('shop'))?.status).toBe('deleted');
    expect(statuses('shop').at(-1)).toMatchObject({ state: 'failure' });
    expect(statuses('shop').at(-1)!.description!.length).toBeLessThanOrEqual(140);
    // The worker comes up on the next run: it converges with one server.
    s.workerMode.set('shop', 'healthy');
    const again = await apply(s.head());
    expect(again.provision.failed).toBe(false);
    expect(servers('shop')).toHaveLength(1);
  });

  it('when routes, backups and health run, then they report through the master and GitHub', async () => {
    const token = await s.l.token('write', 'ops-fallback');
    s.secrets.add(token);
    const route = await s.runAction(() => runRoute({ clock }), {
      event: 'workflow_dispatch',
      payload: {},
      inputs: { 'master-url': s.masterUrl, 'api-token': token, project: 'blog' },
    });
    expect(route.failed).toBe(false);
    expect(route.value).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(route.log).toContain('0 Kong writes');

    const backup = await s.runAction(() => runBackup({ clock, pollMs: 1000 }), {
      event: 'workflow_dispatch',
      payload: { inputs: { project: 'all' } },
      inputs: { ...common(), project: 'all', 'wait-minutes': '30' },
      oidc: { ref: 'refs/heads/main', event: 'workflow_dispatch', workflow: 'backup.yml' },
    });
    expect(backup.failed).toBe(false);
    expect(backup.value?.map((b) => [b.project, b.state])).toEqual([
      ['blog', 'succeeded'],
      ['shop', 'succeeded'],
    ]);
    expect(backup.summary).toMatch(/\| `blog` \| succeeded \| a1b2c3d4/);

    const health = await s.runAction(() => runHealth({ clock }), {
      event: 'schedule',
      payload: {},
      inputs: { ...common(), 'github-token': GITHUB_TOKEN, 'badge-branch': 'supafleet-status' },
      oidc: { ref: 'refs/heads/main', event: 'schedule', workflow: 'health.yml', environment: null },
    });
    expect(health.failed).toBe(false);
    expect(health.value?.map((h) => [h.project, h.state])).toEqual([
      ['blog', 'healthy'],
      ['shop', 'healthy'],
    ]);
    const branch = s.github.state.refs.get('supafleet-status')!;
    const files = s.github.state.commits.get(branch)!.files;
    expect(JSON.parse(files.get('badges/blog.json')!)).toEqual({
      schemaVersion: 1,
      label: 'blog',
      message: 'healthy',
      color: 'brightgreen',
      cacheSeconds: 300,
    });
    const blogCommit = s.github.state
      .history('main')
      .find((c) => s.github.state.touches(c, 'projects/blog.yaml'))!;
    expect(
      s.github.state.statuses
        .filter((x) => x.sha === blogCommit.sha && x.context === 'supafleet/blog')
        .at(-1),
    ).toMatchObject({ state: 'success' });
    for (const [path, content] of files) s.captured.push(`${path}\n${content}`);
  });

  it('when a pull request changes the server type, then the plan warns of downtime and apply resizes the same server', async () => {
    const [before] = servers('blog');
    const { base, result } = await openPr({
      'projects/blog.yaml': { name: 'blog', server: { type: 'cx32', location: 'nbg1' } },
    });
    expect(result.failed).toBe(false);
    expect(result.value?.steps.find((x) => x.project === 'blog')).toMatchObject({
      kind: 'update',
      mode: 'downtime',
    });
    expect(comments()[0]!.body).toMatch(/downtime/);
    const { provision } = await apply(base);
    expect(provision.failed, provision.log).toBe(false);
    expect(provision.log).toContain('resizing server prod-blog to cx32');
    const [after, ...extra] = servers('blog');
    expect(extra).toEqual([]);
    expect(after).toMatchObject({ id: before!.id, server_type: 'cx32', status: 'running' });
    const kinds = s.hetzner.calls().map((c) => `${c.method} ${c.path.replace(/\/\d+/g, '/{id}')}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'POST /servers/{id}/actions/poweroff',
        'POST /servers/{id}/actions/change_type',
        'POST /servers/{id}/actions/poweron',
      ]),
    );
  });

  it('when apply is dispatched by hand after a change no run applied, then the change is found and applied in place', async () => {
    s.commit(
      {
        'projects/blog.yaml': {
          name: 'blog',
          server: { type: 'cx32', location: 'nbg1' },
          storage: { file_size_limit_mb: 20 },
        },
      },
      'change blog (its apply run never happened)',
    );
    const revision = (await s.l.deps.registry.getProject('blog'))!.revision;
    const inputs = {
      ...common(),
      'hetzner-token': HCLOUD_TOKEN,
      'github-token': GITHUB_TOKEN,
      'master-wg-public-key': MASTER_WG_KEY,
    };
    const dispatch = () =>
      s.runAction(() => runProvision({ clock, pollMs: 2000 }), {
        event: 'workflow_dispatch',
        payload: {},
        inputs,
      });
    const first = await dispatch();
    expect(first.failed, first.log).toBe(false);
    expect(first.outputs.updated).toBe('blog');
    expect((await s.l.deps.registry.getProject('blog'))!.revision).toBe(revision + 1);
    const hetznerBefore = s.hetzner.calls().length;
    s.kong.resetCalls();
    const again = await dispatch();
    expect(again.failed).toBe(false);
    expect(again.outputs.updated).toBe('');
    expect((await s.l.deps.registry.getProject('blog'))!.revision).toBe(revision + 1);
    expect(
      s.hetzner
        .calls()
        .slice(hetznerBefore)
        .filter((c) => c.method !== 'GET'),
    ).toEqual([]);
    expect(s.kong.calls().filter(isMutating)).toEqual([]);
  });

  it('when a pull request carries an invalid spec, then the check fails with annotations at file:line and a comment', async () => {
    const { result } = await openPr({
      'projects/bad.yaml': 'name: bad\nserver: { type: cx99, location: fsn1 }\nbogus: 1\n',
    });
    expect(result.failed).toBe(true);
    expect(result.log).toMatch(/::error title=invalid spec,file=projects\/bad\.yaml,line=2,col=\d+::/);
    expect(result.log).toMatch(/::error title=invalid spec,file=projects\/bad\.yaml,line=3,col=\d+::/);
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toMatch(/spec error/);
    expect(comments()[0]!.body).toContain('projects/bad.yaml:2');
    s.commit({ 'projects/bad.yaml': null }, 'pr closed');
  });

  it('when the master workflow creates the master, then one labelled master exists and a second create is refused', async () => {
    const inputs = { 'hetzner-token': HCLOUD_TOKEN, mode: 'create' };
    const first = await s.runAction(() => runMaster({ clock }), {
      event: 'workflow_dispatch',
      payload: {},
      inputs,
    });
    expect(first.failed).toBe(false);
    const masters = s.hetzner.state().servers.filter((x) => x.labels['supafleet/role'] === 'master');
    expect(masters.map((m) => [m.name, m.labels])).toEqual([
      ['prod-master', { 'supafleet/fleet': 'prod', 'supafleet/role': 'master' }],
    ]);
    expect(first.outputs['server-id']).toBe(String(masters[0]!.id));
    const again = await s.runAction(() => runMaster({ clock }), {
      event: 'workflow_dispatch',
      payload: {},
      inputs,
    });
    expect(again.failed).toBe(true);
    expect(again.log).toContain('a master already exists');
    // Workers' plans leave the master alone.
    const { result } = await openPr({});
    expect(result.value?.steps.filter((x) => x.kind !== 'noop')).toEqual([]);
  });

  it('when everything the runs printed or wrote is searched, then no generated secret appears in it', async () => {
    const admin = await s.l.token('admin', 'auditor');
    for (const name of ['blog', 'shop']) {
      const r = await fetch(`${s.masterUrl}/v1/projects/${name}/credentials`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      const creds = (await r.json()) as Record<string, string>;
      for (const [k, v] of Object.entries(creds)) if (k !== 'url') s.secrets.add(v);
    }
    // Every generated secret of every project, the deleted ones included (kept 30 days).
    for (const name of ['acme', 'blog', 'shop']) {
      for (const v of secretValues(await projectSecrets(s.l.deps, s.l.deps.registry, name))) s.secrets.add(v);
    }
    const texts = [
      ...s.captured,
      ...s.github.state.comments.map((c) => c.body),
      ...s.github.state.statuses.map((x) => `${x.description ?? ''} ${x.target_url ?? ''}`),
    ];
    const haystack = texts.join('\n');
    expect(haystack.length).toBeGreaterThan(1000);
    const values = [...s.secrets].filter((v) => v.length >= 12);
    expect(values.length).toBeGreaterThan(8);
    for (const v of values) expect(haystack.includes(v), `a secret of ${v.length} chars leaked`).toBe(false);
  });
});
