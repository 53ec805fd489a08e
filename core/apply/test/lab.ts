/**
 * The scenario lab: the real master (Express + a throwaway Postgres) with the fake
 * Kong Admin API, the fake Hetzner API, the fake GitHub API, a loopback OIDC token
 * endpoint, a git checkout, and simulated workers. Each action's `run()` is called
 * with a synthetic runner environment, and everything it prints or writes is kept so
 * tests can search it for secrets.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { decodeUserData } from '../../../cloud-init/test/decode.ts';
import { createApp } from '../../../master/src/app.ts';
import { createKongAdminClient } from '../../../master/src/kong/client.ts';
import { createFakeKong, FAKE_KONG_URL, type FakeKong } from '../../../fakes/kong/fake.ts';
import { reconcileProject, removeProject } from '../../../master/src/kong/reconcile.ts';
import { createProjectSmokes, DEFAULT_SMOKE_SETTINGS } from '../../../master/src/smoke.ts';
import {
  callFrom,
  startFakeAgent,
  startLab,
  type FakeAgent,
  type Lab,
  type LabDeps,
} from '../../../master/test/harness.ts';
import { createActionRunner, type ActionRun, type RunResult } from '../../../test/support/action-runner.ts';
import { createGitWorkspace } from '../../../test/support/git-workspace.ts';
import { freePort } from '../../../test/support/postgres.ts';
import { startFakeGitHub, type FakeGitHub } from '../../../fakes/github/server.ts';
import { startFakeHetzner, type FakeHetzner } from '../../../fakes/hetzner/index.ts';
import { generateSealKeypair } from '../../seal/index.ts';
import type { Clock } from '../ports.ts';

export const GITHUB_TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
export const HCLOUD_TOKEN = randomBytes(32).toString('hex');
/** The key the test master reports; the first apply pins it, later runs take the master's answer. */
export { TEST_MASTER_WG_PUBLIC_KEY as MASTER_WG_KEY } from '../../../master/test/harness.ts';

/** A clock whose sleeps pass at once in virtual time (with a short real pause so servers run). */
export function fastClock(realPauseMs = 15): Clock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      offset += Math.max(0, ms);
      await new Promise((r) => setTimeout(r, realPauseMs));
    },
  };
}

/** One simulated worker: enrolled with the token from its user_data, heartbeating from its wg address. */
export interface Worker {
  readonly project: string;
  readonly serverId: number;
  readonly ip: string;
  readonly secrets: string[];
  stop(): Promise<void>;
}

/** How the simulated workers behave, per project. */
export type WorkerMode = 'healthy' | 'never-enrolls';

export type { RunResult };

export interface ScenarioLab {
  readonly lab: Lab;
  readonly l: LabDeps;
  readonly kong: FakeKong;
  readonly hetzner: FakeHetzner;
  readonly github: FakeGitHub;
  readonly masterUrl: string;
  readonly workspace: string;
  readonly workers: Map<string, Worker>;
  readonly workerMode: Map<string, WorkerMode>;
  /** Every secret value handed out anywhere in the lab. */
  readonly secrets: Set<string>;
  /** Everything captured from action runs, for the secret search. */
  readonly captured: string[];
  /**
   * The projects the master's smoke endpoint checked, in order. The workers here are
   * simulated (no data path), so the check behind the real route is a stand-in that passes.
   */
  readonly smokeChecks: string[];
  fleetYaml(): string;
  /** Commits files (null deletes) in the checkout and mirrors the commit into the fake GitHub. */
  commit(changes: Record<string, unknown | null>, message: string): string;
  head(): string;
  runAction<T>(
    run: () => Promise<T>,
    opts: {
      event: string;
      payload: Record<string, unknown>;
      inputs: Record<string, string>;
      sha?: string;
      oidc?: OidcRun;
    },
  ): Promise<RunResult<T>>;
  close(): Promise<void>;
}

/**
 * The OIDC claims of a run, as GitHub sets them for the job (github/docs
 * content/actions/reference/security/oidc.md, "Custom claims"): `workflow` is the file under
 * .github/workflows/ (job_workflow_ref), `environment` the job's deployment environment
 * (null: the job names none). Unset: apply.yml in the production environment.
 */
export interface OidcRun {
  readonly ref: string;
  readonly event: string;
  readonly workflow?: string;
  readonly environment?: string | null;
}

export async function startScenarioLab(): Promise<ScenarioLab> {
  const lab = await startLab();
  const cmdPort = await freePort();
  const l = await lab.newDeps({ settings: { agentCommandPort: cmdPort } });
  const kong = createFakeKong();
  const kongClient = createKongAdminClient({ baseUrl: FAKE_KONG_URL, fetch: kong.fetch });
  const deps = {
    ...l.deps,
    kong: {
      reconcile: (p: Parameters<typeof reconcileProject>[1]) => reconcileProject(kongClient, p),
      remove: (n: string) => removeProject(kongClient, n),
    },
  };
  const listen = async (app: ReturnType<typeof createApp>): Promise<Server> => {
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    return s;
  };
  const smokeChecks: string[] = [];
  const smokes = createProjectSmokes(DEFAULT_SMOKE_SETTINGS, async (o) => {
    smokeChecks.push(o.project);
    return {
      project: o.project,
      url: o.target.url,
      ok: true,
      ms: 5,
      steps: [{ name: 'auth: create user', outcome: 'ok', ms: 5 }],
    };
  });
  const pub = await listen(createApp(deps, 'public', { smokes }));
  const agentApi = await listen(createApp(deps, 'agent'));
  const masterUrl = `http://127.0.0.1:${(pub.address() as AddressInfo).port}`;
  const agentUrl = `http://127.0.0.1:${(agentApi.address() as AddressInfo).port}`;

  const secrets = new Set<string>([GITHUB_TOKEN, HCLOUD_TOKEN]);
  const workers = new Map<string, Worker>();
  const workerMode = new Map<string, WorkerMode>();

  // OIDC: what the runner's ACTIONS_ID_TOKEN_REQUEST_URL answers, minted for the test JWKS.
  let oidcClaims: OidcRun = { ref: 'refs/heads/main', event: 'push' };
  const idTokenServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== 'Bearer runner-request-token') {
      res.statusCode = 401;
      res.end('{}');
      return;
    }
    void lab.oidc
      .mint({
        aud: url.searchParams.get('audience') ?? '',
        ref: oidcClaims.ref,
        event_name: oidcClaims.event,
        // A workflow that calls no reusable workflow: both refs name its own file.
        workflow_ref: `acme-corp/fleet/.github/workflows/${oidcClaims.workflow ?? 'apply.yml'}@${oidcClaims.ref}`,
        job_workflow_ref: `acme-corp/fleet/.github/workflows/${oidcClaims.workflow ?? 'apply.yml'}@${oidcClaims.ref}`,
        environment:
          oidcClaims.environment === undefined ? 'production' : (oidcClaims.environment ?? undefined),
      })
      .then((value) => {
        secrets.add(value);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ value }));
      });
  });
  await new Promise<void>((r) => idTokenServer.listen(0, '127.0.0.1', () => r()));
  const idTokenUrl = `http://127.0.0.1:${(idTokenServer.address() as AddressInfo).port}/token?api-version=2.0`;

  const github = await startFakeGitHub({ owner: 'acme-corp', repo: 'fleet', token: GITHUB_TOKEN });
  // the fleet's Storage Box (a sub-account per project), served by the same fake
  const box = l.deps.fleet.storage_box;
  const hetzner = await startFakeHetzner({
    token: HCLOUD_TOKEN,
    actionDurationMs: 50,
    ...(box.id !== undefined ? { storageBoxes: [{ id: box.id, username: box.user }] } : {}),
  });

  const bootWorker = async (server: Record<string, unknown>, userData: string | undefined): Promise<void> => {
    const labels = server.labels as Record<string, string>;
    const project = labels['supafleet/project'];
    if (!project || labels['supafleet/role'] !== 'worker' || !userData) return;
    if ((workerMode.get(project) ?? 'healthy') === 'never-enrolls') return;
    const files = decodeUserData(userData).files;
    const enroll = JSON.parse(files.find((f) => f.path === '/etc/supafleet/enroll.json')!.content) as {
      token: string;
      master_wg_public_key: string;
    };
    secrets.add(enroll.token);
    const seal = await generateSealKeypair();
    const e = await fetch(`${masterUrl}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: enroll.token,
        wg_public_key: randomBytes(32).toString('base64'),
        seal_public_key: seal.publicKey,
      }),
    });
    if (!e.ok) throw new Error(`simulated worker ${project}: enrollment answered ${e.status}`);
    const answer = (await e.json()) as {
      wg: { address: string };
      agent: { token: string; command_key: string };
    };
    secrets.add(answer.agent.token);
    secrets.add(answer.agent.command_key);
    const ip = answer.wg.address.split('/')[0]!;
    const auth = { authorization: `Bearer ${answer.agent.token}` };
    const agent: FakeAgent = await startFakeAgent(ip, cmdPort, answer.agent.command_key);
    agent.answer = (c) => {
      if (c.type === 'backup') {
        setTimeout(() => {
          void callFrom(ip, `${agentUrl}/v1/agent/commands/${c.id}/result`, {
            method: 'POST',
            headers: auth,
            body: {
              id: c.id,
              state: 'succeeded',
              duration_s: 2.5,
              snapshot_id: 'a1b2c3d4',
              size_bytes: 4096,
            },
          });
        }, 30);
        return { status: 202, body: { id: c.id, state: 'running' } };
      }
      return { status: 200, body: { id: c.id, state: 'succeeded', duration_s: 1 } };
    };
    let revision = 1;
    let stopped = false;
    const beat = async (): Promise<void> => {
      for (let i = 0; i < 20_000 && !stopped; i++) {
        if (!hetzner.state().servers.some((s) => s.id === server.id)) break;
        const r = await callFrom(ip, `${agentUrl}/v1/agent/heartbeat`, {
          method: 'POST',
          headers: auth,
          body: {
            project,
            sent_at: new Date().toISOString(),
            apply: { state: 'applied', revision },
            services: ['auth', 'rest', 'realtime', 'storage', 'db'].map((name) => ({
              name,
              state: 'healthy',
            })),
            system: { disk_used_pct: 12, mem_used_pct: 30 },
          },
        }).catch(() => undefined);
        const desired = (r?.body as { desired_revision?: number } | null)?.desired_revision;
        if (typeof desired === 'number') revision = desired;
        await new Promise((res) => setTimeout(res, 40));
      }
      await agent.close();
    };
    const loop = beat();
    workers.set(project, {
      project,
      serverId: server.id as number,
      ip,
      secrets: [answer.agent.token, answer.agent.command_key],
      stop: async () => {
        stopped = true;
        await loop;
      },
    });
  };
  hetzner.onServerCreated((server, userData) => {
    void bootWorker(server, userData).catch((err: Error) => console.error(err.message));
  });

  // The checkout: a git repository whose commits are mirrored into the fake GitHub.
  const checkout = createGitWorkspace(github);
  const workspace = checkout.dir;
  const fleet = l.deps.fleet;
  const fleetDoc = {
    name: fleet.name,
    domain: fleet.domain,
    github: fleet.github,
    master: fleet.master,
    network: { cidr: '10.100.0.0/24' },
    storage_box: fleet.storage_box,
    seal: fleet.seal,
    ssh: { user: 'deploy', workers_public: false },
  };
  checkout.commit({ 'fleet.yaml': fleetDoc, 'projects/README.md': 'One file per project.\n' }, 'fleet');

  const runner = createActionRunner({
    repository: 'acme-corp/fleet',
    workspace,
    githubUrl: github.url,
    sha: checkout.head,
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: idTokenUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
      HCLOUD_ENDPOINT: hetzner.url,
      HETZNER_ENDPOINT: hetzner.url,
    },
  });
  const runAction = async <T>(
    run: () => Promise<T>,
    opts: ActionRun & { oidc?: OidcRun },
  ): Promise<RunResult<T>> => {
    oidcClaims = opts.oidc ?? { ref: 'refs/heads/main', event: opts.event };
    const result = await runner.run(run, opts);
    for (const m of result.masked) secrets.add(m);
    return result;
  };

  return {
    lab,
    l,
    kong,
    hetzner,
    github,
    masterUrl,
    workspace,
    workers,
    workerMode,
    secrets,
    captured: runner.captured,
    smokeChecks,
    fleetYaml: () => stringify(fleetDoc),
    commit: (changes, message) => checkout.commit(changes, message),
    head: checkout.head,
    runAction,
    async close() {
      for (const w of workers.values()) await w.stop();
      await hetzner.close();
      await github.close();
      await new Promise<void>((r) => idTokenServer.close(() => r()));
      await new Promise<void>((r) => pub.close(() => r()));
      await new Promise<void>((r) => agentApi.close(() => r()));
      await l.close();
      await lab.close();
      checkout.close();
      runner.close();
    },
  };
}
