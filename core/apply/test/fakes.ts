/**
 * In-memory stand-ins for the apply logic's collaborators: a master whose health is
 * scripted, a Hetzner that records calls, a GitHub that records statuses, and a clock
 * whose sleeps pass at once.
 */
import type { CommitStatus, GitHubApi } from '../../github/types.ts';
import type { Action, Server } from '../../hetzner/types.ts';
import type { HealthState, MasterApi, ProjectView } from '../../master-client/types.ts';
import type { ProjectSpec } from '../../spec/types.ts';
import type { Clock, HetznerApi } from '../ports.ts';

export function virtualClock(): Clock & { slept: number } {
  const c = {
    t: 1_700_000_000_000,
    slept: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
      c.slept += ms;
    },
  };
  return c;
}

const ACTION: Action = {
  id: 1,
  command: 'x',
  status: 'success',
  progress: 100,
  started: '',
  finished: '',
  resources: [],
  error: null,
};

export function view(
  name: string,
  revision: number,
  state: HealthState,
  applied: number | null,
): ProjectView {
  return {
    name,
    subdomain: name,
    host: `${name}.example.com`,
    status: 'active',
    revision,
    wg_ip: '10.100.0.2',
    enrolled: applied !== null,
    enrolled_at: null,
    created_at: '',
    updated_at: '',
    health: {
      state,
      reasons: [],
      heartbeat_age_s: null,
      applied_revision: applied,
      wg_handshake_age_s: null,
    },
  };
}

/** A master whose project becomes healthy after `healthyAfterPolls` reads (never when undefined). */
export function fakeMaster(opts: { healthyAfterPolls?: number; backup?: 'succeeded' | 'failed' } = {}) {
  const calls: string[] = [];
  const rows = new Map<string, { spec: ProjectSpec; revision: number }>();
  let polls = 0;
  const master: MasterApi = {
    async listProjects() {
      return [...rows.entries()].map(([n, r]) => view(n, r.revision, 'healthy', r.revision));
    },
    async getProject(name) {
      calls.push(`GET ${name}`);
      const r = rows.get(name);
      if (!r) return undefined;
      polls++;
      const healthy = opts.healthyAfterPolls !== undefined && polls > opts.healthyAfterPolls;
      return view(name, r.revision, healthy ? 'healthy' : 'provisioning', healthy ? r.revision : null);
    },
    async putProject(name, spec, o = {}) {
      calls.push(`PUT ${name}${o.enrollmentToken ? ' +token' : ''}`);
      const had = rows.get(name);
      const revision = had ? had.revision + 1 : 1;
      rows.set(name, { spec, revision });
      return {
        created: !had,
        changed: true,
        project: view(name, revision, 'provisioning', null),
        ...(o.enrollmentToken
          ? {
              enrollment: {
                token: 'sfe_enrollment-token-value',
                expires_at: '',
                master_wg_public_key: Buffer.alloc(32, 9).toString('base64'),
              },
            }
          : {}),
      };
    },
    async deleteProject(name) {
      calls.push(`DELETE ${name}`);
      return { deleted: rows.delete(name) };
    },
    async putRoutes(name) {
      calls.push(`PUT ${name}/routes`);
      return { created: 1, updated: 0, deleted: 0, unchanged: 0, calls: { list: 1, mutate: 1 } };
    },
    async deleteRoutes(name) {
      calls.push(`DELETE ${name}/routes`);
      return { created: 0, updated: 0, deleted: 1, unchanged: 0, calls: { list: 1, mutate: 1 } };
    },
    async startBackup(name) {
      calls.push(`POST ${name}/backups`);
      return { id: 'b1', state: 'running' };
    },
    async listBackups() {
      const state = opts.backup ?? 'succeeded';
      return [
        {
          id: 'b1',
          state,
          started_at: '',
          finished_at: '',
          duration_s: 1,
          snapshot_id: state === 'succeeded' ? 'snap1' : null,
          size_bytes: 1,
          error: state === 'failed' ? 'restic exit 1' : null,
        },
      ];
    },
    async credentials() {
      throw new Error('not in these tests');
    },
    async smoke(name) {
      calls.push(`POST ${name}/smoke`);
      return {
        project: name,
        url: `https://${name}.example.com`,
        ok: true,
        ms: 1000,
        steps: [{ name: 'auth: create user', outcome: 'ok', ms: 10 }],
      };
    },
  };
  return { master, calls, rows };
}

export function fakeHetzner(existing: Server[] = []) {
  const calls: string[] = [];
  const servers = [...existing];
  let nextId = 100;
  const hetzner: HetznerApi = {
    async ensureServer(req) {
      calls.push(`ensure ${req.name}`);
      const found = servers.find((s) => s.name === req.name);
      if (found) return { server: found, created: false };
      const server = { id: nextId++, name: req.name, labels: req.labels } as unknown as Server;
      servers.push(server);
      return { server, created: true, action: ACTION };
    },
    async waitForAction(a) {
      return typeof a === 'number' ? ACTION : a;
    },
    async deleteServer(id) {
      calls.push(`delete ${id}`);
      const i = servers.findIndex((s) => s.id === id);
      if (i >= 0) servers.splice(i, 1);
      return ACTION;
    },
    async deleteLabelledServers(guard) {
      calls.push(`delete-labelled ${guard.project}`);
      const mine = servers.filter((s) => s.labels['supafleet/project'] === guard.project);
      for (const s of mine) servers.splice(servers.indexOf(s), 1);
      return mine.map(() => ACTION);
    },
    async listFleetServers() {
      return [...servers];
    },
    async changeServerType(id, type) {
      calls.push(`change_type ${id} ${type}`);
      return ACTION;
    },
    async power(id, state) {
      calls.push(`power ${state} ${id}`);
      return ACTION;
    },
    async ensureWorkerFirewall() {
      throw new Error('not in these tests');
    },
  };
  return { hetzner, calls, servers };
}

export function fakeGitHub() {
  const statuses: (CommitStatus & { sha: string })[] = [];
  const github: GitHubApi = {
    async upsertStickyComment() {
      return { id: 1, created: true };
    },
    async setStatus(sha, status) {
      statuses.push({ sha, ...status });
    },
    async latestCommitTouching() {
      return undefined;
    },
    async commitFiles() {
      return { sha: '', changed: false };
    },
    async putActionsSecret() {},
  };
  return { github, statuses };
}
