import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { freePort, postgresSkipReason } from '../../test/support/postgres.ts';
import { createAgentServer } from '../src/agent-listener.ts';
import { createApp } from '../src/app.ts';
import {
  AUDIENCE,
  ISSUER,
  OWNER_ID,
  REPO_ID,
  callFrom,
  spec,
  startFakeAgent,
  startLab,
  type Lab,
  type LabDeps,
} from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping auth matrix tests: ${skip}`);

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A `job_workflow_ref` of the fleet repository's workflow `file`. */
const wf = (file: string, ref = 'refs/heads/main') => `acme-corp/fleet/.github/workflows/${file}@${ref}`;

describe.skipIf(skip !== undefined)(
  'auth matrix: every refused call is 401 or 403 and leaves the registry as it was',
  () => {
    let lab: Lab;
    let l: LabDeps;
    let pub: ReturnType<typeof createApp>;
    let agentServer: Server;
    let agentPort: number;
    const enrolled: Record<string, { token: string; commandKey: string; ip: string }> = {};

    /** Every table's rows, to prove a refused call changed nothing. */
    const snapshot = async () => {
      const out: Record<string, unknown[]> = {};
      for (const t of [
        'projects',
        'peers',
        'project_secrets',
        'enrollment_tokens',
        'heartbeats',
        'heartbeat_history',
        'commands',
        'backups',
        'audit_log',
        'api_tokens',
      ]) {
        out[t] = (await l.deps.registry.pool.query(`select * from ${t} order by 1`)).rows;
      }
      return JSON.stringify(out);
    };

    beforeAll(async () => {
      lab = await startLab();
      l = await lab.newDeps({ settings: { agentCommandPort: await freePort() } });
      pub = createApp(l.deps, 'public');
      agentServer = createAgentServer(l.deps).listen(0, '127.0.0.1');
      await new Promise((r) => agentServer.once('listening', r));
      agentPort = (agentServer.address() as AddressInfo).port;
      const w = await l.token('write');
      let n = 0;
      for (const name of ['alpha', 'bravo']) {
        const r = await request(pub)
          .put(`/v1/projects/${name}?enrollment_token=true`)
          .set('Authorization', `Bearer ${w}`)
          .send(spec(name));
        const seal = await generateSealKeypair();
        const e = await request(pub)
          .post('/v1/enroll')
          .send({
            token: r.body.enrollment.token,
            wg_public_key: Buffer.alloc(32, ++n).toString('base64'),
            seal_public_key: seal.publicKey,
          });
        enrolled[name] = {
          token: e.body.agent.token,
          commandKey: e.body.agent.command_key,
          ip: e.body.wg.address.split('/')[0],
        };
      }
    });
    afterAll(async () => {
      agentServer?.close();
      await l?.close();
      await lab?.close();
    });

    const mutate = (authorization?: string) => {
      const req = request(pub).put('/v1/projects/victim').send(spec('victim'));
      return authorization === undefined ? req : req.set('Authorization', authorization);
    };

    const cases: {
      name: string;
      auth: () => Promise<string | undefined>;
      want: 401 | 403;
      path?: 'credentials';
    }[] = [
      { name: 'no token', auth: async () => undefined, want: 401 },
      { name: 'a malformed Authorization header', auth: async () => 'Basic dXNlcjpwYXNz', want: 401 },
      {
        name: 'an expired token',
        auth: async () => `Bearer ${await lab.oidc.mint({}, { iat: Math.floor(Date.now() / 1000) - 3600 })}`,
        want: 401,
      },
      {
        name: 'a wrong issuer',
        auth: async () => `Bearer ${await lab.oidc.mint({ iss: 'https://evil.example.com' })}`,
        want: 401,
      },
      {
        name: 'a wrong audience',
        auth: async () => `Bearer ${await lab.oidc.mint({ aud: 'someone-else' })}`,
        want: 401,
      },
      {
        name: 'a wrong repository_id',
        auth: async () => `Bearer ${await lab.oidc.mint({ repository_id: String(REPO_ID + 1) })}`,
        want: 403,
      },
      {
        name: 'a wrong repository_owner_id',
        auth: async () => `Bearer ${await lab.oidc.mint({ repository_owner_id: String(OWNER_ID + 1) })}`,
        want: 403,
      },
      {
        name: 'a pull_request token on a mutation',
        auth: async () =>
          `Bearer ${await lab.oidc.mint({ event_name: 'pull_request', ref: 'refs/pull/7/merge' })}`,
        want: 403,
      },
      {
        name: 'a pull_request event that claims the main ref',
        auth: async () =>
          `Bearer ${await lab.oidc.mint({ event_name: 'pull_request', ref: 'refs/heads/main' })}`,
        want: 403,
      },
      {
        name: 'a push token from another branch',
        auth: async () => `Bearer ${await lab.oidc.mint({ ref: 'refs/heads/feature' })}`,
        want: 403,
      },
      // audit M1/H2: write only for apply.yml and master.yml of this repository on main, started by
      // push or workflow_dispatch, in the production environment; every other workflow reads
      ...[
        {
          name: 'an issue_comment workflow on main',
          claims: { event_name: 'issue_comment', job_workflow_ref: wf('comment.yml') },
        },
        {
          name: "health.yml's scheduled token on main",
          claims: { event_name: 'schedule', job_workflow_ref: wf('health.yml'), environment: undefined },
        },
        {
          name: 'a workflow_run workflow on main',
          claims: { event_name: 'workflow_run', job_workflow_ref: wf('after-ci.yml') },
        },
        { name: 'apply.yml started by schedule', claims: { event_name: 'schedule' } },
        { name: 'apply.yml started by issue_comment', claims: { event_name: 'issue_comment' } },
        { name: 'apply.yml started by workflow_run', claims: { event_name: 'workflow_run' } },
        { name: 'apply.yml outside any environment', claims: { environment: undefined } },
        { name: 'apply.yml in another environment', claims: { environment: 'staging' } },
        {
          name: "another repository's reusable apply.yml",
          claims: { job_workflow_ref: 'evil-org/tools/.github/workflows/apply.yml@refs/heads/main' },
        },
        {
          name: 'apply.yml of a branch called from main',
          claims: { job_workflow_ref: wf('apply.yml', 'refs/heads/feature') },
        },
        {
          name: 'neither job_workflow_ref nor workflow_ref',
          claims: { job_workflow_ref: undefined, workflow_ref: undefined },
        },
        {
          name: "health.yml's workflow_ref and no job_workflow_ref",
          claims: { job_workflow_ref: undefined, workflow_ref: wf('health.yml') },
        },
        {
          name: "backup.yml's token",
          claims: { event_name: 'workflow_dispatch', job_workflow_ref: wf('backup.yml') },
        },
      ].map(({ name, claims }) => ({
        name,
        auth: async () => `Bearer ${await lab.oidc.mint(claims)}`,
        want: 403 as const,
      })),
      {
        name: 'alg none',
        auth: async () => {
          const now = Math.floor(Date.now() / 1000);
          const payload = {
            iss: ISSUER,
            aud: AUDIENCE,
            iat: now,
            exp: now + 300,
            repository_id: String(REPO_ID),
            repository_owner_id: String(OWNER_ID),
            ref: 'refs/heads/main',
            event_name: 'push',
          };
          return `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
        },
        want: 401,
      },
      {
        name: 'HS256 signed with the public key',
        auth: async () => {
          const now = Math.floor(Date.now() / 1000);
          const t = await new SignJWT({
            repository_id: String(REPO_ID),
            repository_owner_id: String(OWNER_ID),
            ref: 'refs/heads/main',
            event_name: 'push',
          })
            .setProtectedHeader({ alg: 'HS256', kid: 'test-key-1' })
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setIssuedAt(now)
            .setExpirationTime(now + 300)
            .sign(new TextEncoder().encode(lab.oidc.publicPem));
          return `Bearer ${t}`;
        },
        want: 401,
      },
      {
        name: 'an unknown kid',
        auth: async () => `Bearer ${await lab.oidc.mint({}, { kid: 'rotated-away' })}`,
        want: 401,
      },
      {
        name: 'a read-scoped API token on a mutation',
        auth: async () => `Bearer ${await l.token('read')}`,
        want: 403,
      },
      {
        name: 'a write-scoped API token on credentials',
        auth: async () => `Bearer ${await l.token('write')}`,
        want: 403,
        path: 'credentials',
      },
      {
        name: 'an unknown API token',
        auth: async () => `Bearer sft_0123456789abcdef_${'A'.repeat(43)}`,
        want: 401,
      },
      {
        name: 'a known API token id with a wrong secret',
        auth: async () => `Bearer ${(await l.token('admin')).slice(0, -43)}${'B'.repeat(43)}`,
        want: 401,
      },
    ];

    it.each(cases)('when the caller presents $name, then $want', async ({ auth, want, path }) => {
      const header = await auth();
      const before = await snapshot();
      let r;
      if (path === 'credentials') {
        r = await request(pub).get('/v1/projects/alpha/credentials').set('Authorization', header!);
      } else {
        r = await mutate(header);
      }
      expect(r.status).toBe(want);
      expect(r.body.error.code).toBe(want === 401 ? 'unauthorized' : 'forbidden');
      expect(await snapshot()).toBe(before);
    });

    it('when a main-branch push token is presented, then the same mutation succeeds (the matrix is not vacuous)', async () => {
      const r = await mutate(`Bearer ${await lab.oidc.mint()}`);
      expect(r.status).toBe(201);
      const audit = await l.deps.registry.listAudit('victim');
      expect(audit[0]?.actor).toMatchObject({
        kind: 'oidc',
        repository: 'acme-corp/fleet',
        run_id: '9001',
        actor: 'octocat',
      });
      await request(pub)
        .delete('/v1/projects/victim')
        .set('Authorization', `Bearer ${await lab.oidc.mint()}`);
    });

    it.each([
      { name: 'apply.yml started by workflow_dispatch', claims: { event_name: 'workflow_dispatch' } },
      { name: 'apply.yml known by workflow_ref alone', claims: { job_workflow_ref: undefined } },
      {
        name: 'master.yml started by workflow_dispatch',
        claims: { event_name: 'workflow_dispatch', job_workflow_ref: wf('master.yml') },
      },
    ])('when $name in the production environment mutates, then it may', async ({ claims }) => {
      const r = await mutate(`Bearer ${await lab.oidc.mint(claims)}`);
      expect(r.status).toBe(201);
      await request(pub)
        .delete('/v1/projects/victim')
        .set('Authorization', `Bearer ${await lab.oidc.mint()}`);
    });

    it("when backup.yml's token starts a backup, then it may (and nothing else changes)", async () => {
      const a = enrolled.alpha!;
      const agent = await startFakeAgent(a.ip, l.deps.settings.agentCommandPort, a.commandKey);
      try {
        const token = await lab.oidc.mint({
          event_name: 'schedule',
          job_workflow_ref: wf('backup.yml'),
          environment: undefined,
        });
        const r = await request(pub)
          .post('/v1/projects/alpha/backups')
          .set('Authorization', `Bearer ${token}`);
        expect(r.status).toBe(202);
        const restart = await request(pub)
          .post('/v1/projects/alpha/restart')
          .set('Authorization', `Bearer ${token}`)
          .send({});
        expect(restart.status).toBe(403);
        expect(restart.body.error.message).toMatch(/backup/);
      } finally {
        await agent.close();
      }
    });

    it('when the master is configured for another deployment environment, then only that one writes', async () => {
      const other = await lab.newDeps({ oidcEnvironment: 'prod-eu' });
      try {
        const app = createApp(other.deps, 'public');
        const put = async (environment: string) =>
          request(app)
            .put('/v1/projects/victim')
            .set('Authorization', `Bearer ${await lab.oidc.mint({ environment })}`)
            .send(spec('victim'));
        expect((await put('production')).status).toBe(403);
        expect((await put('prod-eu')).status).toBe(201);
      } finally {
        await other.close();
      }
    });

    it('when a pull_request token reads, then it may', async () => {
      const r = await request(pub)
        .get('/v1/projects')
        .set('Authorization', `Bearer ${await lab.oidc.mint({ event_name: 'pull_request' })}`);
      expect(r.status).toBe(200);
    });

    const heartbeat = (project: string) => ({
      project,
      sent_at: new Date().toISOString(),
      apply: { state: 'applied', revision: 1 },
      services: [],
      system: {},
    });

    it.each([
      {
        name: "alpha's token from bravo's wg address",
        from: 'bravo',
        token: 'alpha',
        body: 'alpha',
        want: 403,
      },
      {
        name: "alpha's token and body from bravo's wg address",
        from: 'bravo',
        token: 'alpha',
        body: 'bravo',
        want: 403,
      },
      {
        name: 'a valid token from an address that is no project',
        from: '127.100.0.250',
        token: 'alpha',
        body: 'alpha',
        want: 403,
      },
      { name: 'no token from the right address', from: 'alpha', token: undefined, body: 'alpha', want: 401 },
    ])('when an agent call comes with $name, then $want', async ({ from, token, body, want }) => {
      const ip = enrolled[from]?.ip ?? from;
      const before = await snapshot();
      const r = await callFrom(ip, `http://127.0.0.1:${agentPort}/v1/agent/heartbeat`, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${enrolled[token]!.token}` } : {},
        body: heartbeat(body),
      });
      expect(r.status).toBe(want);
      expect(await snapshot()).toBe(before);
    });

    it('when a command the master sent is replayed to the agent, then the agent refuses it', async () => {
      const a = enrolled.alpha!;
      const agent = await startFakeAgent(a.ip, l.deps.settings.agentCommandPort, a.commandKey);
      try {
        const w = await l.token('write');
        const r = await request(pub)
          .post('/v1/projects/alpha/restart')
          .set('Authorization', `Bearer ${w}`)
          .send({});
        expect(r.status).toBe(200);
        const sent = agent.received[0]!;
        const before = await snapshot();
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        for (const h of ['x-supafleet-timestamp', 'x-supafleet-nonce', 'x-supafleet-signature'])
          headers[h] = String(sent.headers[h]);
        const replay = await fetch(`http://${a.ip}:${l.deps.settings.agentCommandPort}/v1/commands`, {
          method: 'POST',
          headers,
          body: sent.body,
        });
        expect(replay.status).toBe(401);
        expect(agent.received.map((x) => x.verdict)).toEqual(['ok', 'replayed']);
        expect(await snapshot()).toBe(before);
      } finally {
        await agent.close();
      }
    });
  },
);
