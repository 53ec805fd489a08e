import { createServer, request, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { GITHUB_ACTIONS_ISSUER, startFakeOidcIssuer, type FakeOidcIssuer } from '../../fakes/github/oidc.ts';
import { verifyCommand, MemoryNonceStore } from '../../core/command/sign.ts';
import { generateSealKeypair, Secret } from '../../core/seal/index.ts';
import { generateProjectSecrets } from '../../core/secrets/generate.ts';
import type { FleetSpec } from '../../core/spec/types.ts';
import { validateProjectObject } from '../../core/spec/index.ts';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { createActiveHosts } from '../src/active-hosts.ts';
import { createAgentCommander } from '../src/agent-client.ts';
import { createAgentAuthenticator } from '../src/auth/agent.ts';
import { mintApiToken } from '../src/auth/api-tokens.ts';
import { createOidcVerifier } from '../src/auth/oidc.ts';
import type { Scope } from '../src/auth/principal.ts';
import { defaultBundleRenderer } from '../src/bundle.ts';
import { DEFAULT_SETTINGS, type Deps, type Settings } from '../src/deps.ts';
import { createLogger } from '../src/log.ts';
import { createHeartbeatWriter } from '../src/heartbeat-writer.ts';
import { createMetrics } from '../src/metrics.ts';
import type { KongProjectInput, KongRoutes, PeerManager, ReconcileReport, WgPeer } from '../src/ports.ts';
import { migrate } from '../src/registry/migrate.ts';
import { createPool, Registry } from '../src/registry/registry.ts';
import { createSecretBox } from '../src/registry/secret-box.ts';
import { parseCidr } from '../src/wg-ip.ts';
import { createPeerLock } from '../src/wireguard/peer-lock.ts';
import { createPeerReconciler } from '../src/wireguard/reconcile.ts';
import { tlsAskLabels } from '../src/studio/hosts.ts';
import { createProjectStudios } from '../src/studio/project-studios.ts';

export const REPO_ID = 424242;
export const OWNER_ID = 777;
export const ISSUER = GITHUB_ACTIONS_ISSUER;
export const AUDIENCE = 'supafleet-test';
export const TEST_CIDR = '127.100.0.0/24';

/** Everything a log line was, as one string, for "no secret in the logs" checks. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    cb();
  }
  text(): string {
    return this.lines.join('');
  }
}

/** An in-memory PeerManager. */
export class MemoryPeers implements PeerManager {
  readonly peers = new Map<string, WgPeer>();
  failNextAdd = false;
  async add(p: { publicKey: string; allowedIp: string }): Promise<void> {
    if (this.failNextAdd) {
      this.failNextAdd = false;
      throw new Error('wg set failed (test)');
    }
    this.peers.set(p.publicKey, {
      publicKey: p.publicKey,
      allowedIps: [p.allowedIp],
      endpoint: null,
      latestHandshake: null,
    });
  }
  async remove(publicKey: string): Promise<void> {
    this.peers.delete(publicKey);
  }
  async list(): Promise<WgPeer[]> {
    return [...this.peers.values()];
  }
  async publicKey(): Promise<string> {
    return TEST_MASTER_WG_PUBLIC_KEY;
  }
}

/** The WireGuard public key the test master reports. */
export const TEST_MASTER_WG_PUBLIC_KEY = 'bWFzdGVyLXdnLXB1YmxpYy1rZXktZm9yLXRlc3RzISE=';

/** Records what the routes endpoints asked Kong to do. */
export class RecordingKong implements KongRoutes {
  readonly reconciled: KongProjectInput[] = [];
  readonly removed: string[] = [];
  private readonly report: ReconcileReport = {
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    calls: { list: 6, mutate: 0 },
  };
  async reconcile(p: KongProjectInput): Promise<ReconcileReport> {
    this.reconciled.push(p);
    return this.report;
  }
  async remove(name: string): Promise<ReconcileReport> {
    this.removed.push(name);
    return this.report;
  }
}

/**
 * A JWKS on loopback and a minter of GitHub Actions OIDC tokens (fakes/github/oidc.ts). By
 * default a token is what apply.yml gets on a push to main in the `production` environment.
 */
export type OidcLab = FakeOidcIssuer;

export function startOidcLab(): Promise<OidcLab> {
  return startFakeOidcIssuer({
    repository: 'acme-corp/fleet',
    repositoryId: REPO_ID,
    ownerId: OWNER_ID,
    defaultAudience: AUDIENCE,
  });
}

export function testFleet(cidr = TEST_CIDR, sealPublicKey = ''): FleetSpec {
  return {
    name: 'prod',
    domain: 'example.com',
    github: { repository: 'acme-corp/fleet', repository_id: REPO_ID, owner_id: OWNER_ID },
    master: { server: { type: 'cx32', location: 'fsn1' } },
    network: { cidr },
    storage_box: { host: 'u123456.your-storagebox.de', user: 'u123456', id: 4711 },
    seal: { public_key: sealPublicKey },
  };
}

export interface Lab {
  readonly pg: TestPostgres;
  readonly oidc: OidcLab;
  newDeps(opts?: {
    cidr?: string;
    settings?: Partial<Settings>;
    now?: () => Date;
    /** The deployment environment write tokens must come from (default: production). */
    oidcEnvironment?: string;
  }): Promise<LabDeps>;
  close(): Promise<void>;
}

export interface LabDeps {
  readonly deps: Deps;
  readonly peers: MemoryPeers;
  readonly kong: RecordingKong;
  readonly logs: LogCapture;
  readonly fleetKeys: { publicKey: string; privateKey: Secret };
  token(scope: Scope, name?: string): Promise<string>;
  close(): Promise<void>;
}

let dbCounter = 0;

/** A Postgres server and a JWKS for one test file; each newDeps() gets its own migrated database. */
export async function startLab(): Promise<Lab> {
  const pg = await startPostgres();
  const oidc = await startOidcLab();
  const closers: (() => Promise<void>)[] = [];
  return {
    pg,
    oidc,
    async newDeps(opts = {}) {
      const url = await pg.createDatabase(`t${process.pid}_${++dbCounter}`);
      const registry = new Registry(createPool(url, 10));
      await migrate(registry.pool);
      const logs = new LogCapture();
      const log = createLogger('debug', logs);
      const peers = new MemoryPeers();
      const kong = new RecordingKong();
      const metrics = createMetrics();
      const peerLock = createPeerLock();
      // not started: tests call run() when they want a reconcile
      const peerReconciler = createPeerReconciler({
        peers,
        enrolled: () => registry.enrolledPeers(),
        lock: peerLock,
        log,
        metrics,
      });
      const keys = await generateSealKeypair();
      const fleet = testFleet(opts.cidr ?? TEST_CIDR, keys.publicKey);
      const deps: Deps = {
        registry,
        fleet,
        cidr: parseCidr(opts.cidr ?? TEST_CIDR),
        secretBox: createSecretBox(new Secret(Buffer.alloc(32, 7).toString('base64'))),
        peers,
        peerLock,
        peerReconciler,
        kong,
        commander: createAgentCommander({ port: opts.settings?.agentCommandPort ?? 8082, timeoutMs: 5000 }),
        renderBundle: defaultBundleRenderer,
        validateProject: validateProjectObject,
        fleetKeys: keys,
        oidc: createOidcVerifier({
          issuer: ISSUER,
          audience: AUDIENCE,
          jwksUrl: oidc.jwksUrl,
          repositoryId: REPO_ID,
          ownerId: OWNER_ID,
          environment: opts.oidcEnvironment ?? 'production',
        }),
        agentAuth: createAgentAuthenticator(registry, { cacheMs: 0 }),
        heartbeats: createHeartbeatWriter(registry, {
          historySize: opts.settings?.heartbeatHistory ?? DEFAULT_SETTINGS.heartbeatHistory,
        }),
        hosts: createActiveHosts(() => tlsAskLabels(registry)),
        studios: createProjectStudios(),
        generateSecrets: () => generateProjectSecrets(),
        log,
        metrics,
        now: opts.now ?? (() => new Date()),
        settings: { ...DEFAULT_SETTINGS, ...opts.settings },
      };
      const close = async () => {
        await peerReconciler.stop();
        await registry.close();
      };
      closers.push(close);
      return {
        deps,
        peers,
        kong,
        logs,
        fleetKeys: keys,
        async token(scope, name = `${scope}-token`) {
          const t = mintApiToken();
          await registry.insertApiToken({ id: t.id, name, scope, secretHash: t.secretHash });
          return t.token;
        },
        close,
      };
    },
    async close() {
      for (const c of closers) await c().catch(() => undefined);
      await oidc.close();
      await pg.stop();
    },
  };
}

/** A minimal valid project spec. */
export function spec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, server: { type: 'cx22', location: 'fsn1' }, ...extra };
}

/** A fake agent command listener on a wg-like loopback address, verifying signatures like the real agent. */
export interface FakeAgent {
  readonly received: {
    headers: Record<string, string | string[] | undefined>;
    body: string;
    verdict: string;
  }[];
  answer: (command: { id: string; type: string }) => { status: number; body: unknown };
  close(): Promise<void>;
}

export async function startFakeAgent(host: string, port: number, commandKey: string): Promise<FakeAgent> {
  const nonces = new MemoryNonceStore();
  const agent: FakeAgent = {
    received: [],
    answer: (c) =>
      c.type === 'backup'
        ? { status: 202, body: { id: c.id, state: 'running' } }
        : { status: 200, body: { id: c.id, state: 'succeeded', duration_s: 1.5 } },
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const v = verifyCommand({
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        key: commandKey,
        headers: req.headers,
        nowMs: Date.now(),
        nonces,
      });
      agent.received.push({ headers: req.headers, body, verdict: v.ok ? 'ok' : v.reason });
      res.setHeader('content-type', 'application/json');
      if (!v.ok) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: { code: v.reason, message: 'refused' } }));
        return;
      }
      const a = agent.answer(JSON.parse(body) as { id: string; type: string });
      res.statusCode = a.status;
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  agent.close = () => new Promise<void>((r) => server.close(() => r()));
  return agent;
}

/** An HTTP call from a chosen local address (the "wg address" of a worker, on loopback). */
export function callFrom(
  localAddress: string,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        localAddress,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(text);
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    if (payload) req.write(payload);
    req.end();
  });
}
