import { describe, expect, it } from 'vitest';
import { fleetRead, fleetStatus, projectStatus } from '../../test/support/fleet-status.ts';
import { computeHealth } from '../../master/src/health.ts';
import { diagnose, doctorHosts, KONG_NO_ROUTE, serviceReasons } from './diagnose.ts';
import { formatDoctor } from './format.ts';
import type { DnsSeen, DoctorObservations, KongSeen, TlsSeen } from './types.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const MASTER_IP = '203.0.113.10';
const HOSTS = ['fleet.example.com', 'fleet.admin.example.com', 'acme.example.com', 'blog.example.com'];

const goodCert: TlsSeen = {
  authorized: true,
  nameMatches: true,
  validFrom: '2026-11-01T00:00:00.000Z',
  validTo: '2027-01-30T00:00:00.000Z',
  issuer: "Let's Encrypt",
};
const kongKeyAuth: KongSeen = { status: 401, server: 'kong/3.9.1', message: 'No API key found in request' };

/** A healthy fleet of acme and blog as the probes would see it; `change` breaks one part. */
function observations(change: (o: Mutable) => void = () => undefined): DoctorObservations {
  const o: Mutable = {
    masterUrl: 'https://fleet.example.com',
    master: fleetRead(fleetStatus([projectStatus('acme'), projectStatus('blog')])),
    dns: new Map<string, DnsSeen>(HOSTS.map((h) => [h, { addresses: [MASTER_IP] }])),
    tls: new Map<string, TlsSeen>(HOSTS.map((h) => [h, goodCert])),
    kong: new Map<string, KongSeen>([
      ['acme', kongKeyAuth],
      ['blog', kongKeyAuth],
    ]),
    now: NOW,
  };
  change(o);
  return o;
}
type Mutable = {
  -readonly [K in keyof DoctorObservations]: DoctorObservations[K];
} & {
  dns: Map<string, DnsSeen>;
  tls: Map<string, TlsSeen>;
  kong: Map<string, KongSeen>;
};

const breakProject = (o: Mutable, name: string, over: Parameters<typeof projectStatus>[1]): void => {
  const read = o.master;
  if (!read.ok) throw new Error('no fleet');
  o.master = fleetRead(
    fleetStatus(read.fleet.projects.map((p) => (p.name === name ? projectStatus(name, over) : p))),
  );
};

describe('doctor: the first broken layer', () => {
  it('when every layer answers as it should, then every check passes and none is named', () => {
    const r = diagnose(observations());
    expect(r.ok).toBe(true);
    expect(r.firstBroken).toBeUndefined();
    expect([...new Set(r.checks.map((c) => c.layer))]).toEqual([
      'dns',
      'certificate',
      'master-api',
      'kong',
      'wireguard',
      'worker',
      'services',
    ]);
    expect(r.checks.filter((c) => c.layer === 'dns').map((c) => c.subject)).toEqual(HOSTS);
    expect(formatDoctor(r).at(-1)).toMatch(/^doctor: every check passed/);
  });

  const cases: {
    name: string;
    change: (o: Mutable) => void;
    layer: string;
    subject: string;
    detail: RegExp;
    fix: RegExp;
  }[] = [
    {
      name: "a project's host does not resolve",
      change: (o) => o.dns.set('blog.example.com', { error: 'queryA ENOTFOUND', code: 'ENOTFOUND' }),
      layer: 'dns',
      subject: 'blog.example.com',
      detail: /does not resolve \(ENOTFOUND\)/,
      fix: /create the DNS record \*\.example\.com A 203\.0\.113\.10/,
    },
    {
      name: 'the admin host resolves to another server',
      change: (o) => o.dns.set('fleet.admin.example.com', { addresses: ['198.51.100.7'] }),
      layer: 'dns',
      subject: 'fleet.admin.example.com',
      detail: /resolves to 198\.51\.100\.7, not to the master \(203\.0\.113\.10\)/,
      fix: /point the DNS record \*\.admin\.example\.com at 203\.0\.113\.10/,
    },
    {
      name: 'the certificate has expired',
      change: (o) =>
        o.tls.set('acme.example.com', {
          ...goodCert,
          authorized: false,
          authorizationError: 'CERT_HAS_EXPIRED',
          validTo: '2026-11-30T00:00:00.000Z',
        }),
      layer: 'certificate',
      subject: 'acme.example.com',
      detail: /does not verify: CERT_HAS_EXPIRED/,
      fix: /logs caddy/,
    },
    {
      name: 'the certificate names another host',
      change: (o) => o.tls.set('fleet.example.com', { ...goodCert, nameMatches: false }),
      layer: 'certificate',
      subject: 'fleet.example.com',
      detail: /does not name fleet\.example\.com/,
      fix: /check the DNS record fleet\.example\.com/,
    },
    {
      name: 'the certificate expires in 3 days',
      change: (o) => o.tls.set('blog.example.com', { ...goodCert, validTo: '2026-12-04T13:00:00.000Z' }),
      layer: 'certificate',
      subject: 'blog.example.com',
      detail: /in 3 days\): Caddy has stopped renewing it/,
      fix: /logs caddy/,
    },
    {
      name: 'the master refuses the token',
      change: (o) => {
        o.master = {
          ok: false,
          kind: 'unauthorized',
          status: 401,
          message: 'HTTP 401: unknown or revoked API token',
        };
      },
      layer: 'master-api',
      subject: 'https://fleet.example.com',
      detail: /refused the token in SUPAFLEET_API_TOKEN: HTTP 401/,
      fix: /supafleet master token create --name me --scope read/,
    },
    {
      name: 'the master does not answer',
      change: (o) => {
        o.master = {
          ok: false,
          kind: 'unreachable',
          message: 'GET https://fleet.example.com/healthz: ECONNREFUSED',
        };
      },
      layer: 'master-api',
      subject: 'https://fleet.example.com',
      detail: /does not answer/,
      fix: /curl https:\/\/fleet\.example\.com\/healthz/,
    },
    {
      name: "Kong has no route for a project's host",
      change: (o) => o.kong.set('blog', { status: 404, server: 'kong/3.9.1', message: KONG_NO_ROUTE }),
      layer: 'kong',
      subject: 'blog',
      detail: /Kong has no route for blog\.example\.com\/rest\/v1\//,
      fix: /PUT .*https:\/\/fleet\.example\.com\/v1\/projects\/blog\/routes/,
    },
    {
      name: 'the edge answers without Kong behind it',
      change: (o) => o.kong.set('acme', { status: 502, server: 'Caddy' }),
      layer: 'kong',
      subject: 'acme',
      detail: /without Kong's mark/,
      fix: /supafleet-master ps kong/,
    },
    {
      name: "Kong cannot reach the project's worker",
      change: (o) =>
        o.kong.set('acme', {
          status: 502,
          server: 'kong/3.9.1',
          message: 'An invalid response was received from the upstream server',
        }),
      layer: 'wireguard',
      subject: 'acme',
      detail: /Kong cannot reach acme's worker \(HTTP 502/,
      fix: /sudo wg show/,
    },
    {
      name: "the master's WireGuard peer for a project is stale",
      change: (o) => breakProject(o, 'acme', { wireguard: { state: 'stale', handshake_age_s: 600 } }),
      layer: 'wireguard',
      subject: 'acme',
      detail: /last handshake with acme's worker was 10m ago/,
      fix: /UDP 51820/,
    },
    {
      name: "a project's agent stopped sending heartbeats",
      change: (o) =>
        breakProject(o, 'blog', {
          heartbeat_age_s: 150,
          health: { state: 'degraded', reasons: ['last heartbeat 150 s ago'] },
        }),
      layer: 'worker',
      subject: 'blog',
      detail: /last heartbeat of blog's agent was 2m ago/,
      fix: /docker compose -p supafleet logs agent/,
    },
    {
      name: "a project's worker runs an older revision",
      change: (o) =>
        breakProject(o, 'acme', {
          applied_revision: 2,
          health: { state: 'degraded', reasons: ['running revision 2 of 3'] },
        }),
      layer: 'worker',
      subject: 'acme',
      detail: /acme runs revision 2 of 3 \(running revision 2 of 3\)/,
      fix: /logs agent/,
    },
    {
      name: 'a service is unhealthy',
      change: (o) =>
        breakProject(o, 'blog', { health: { state: 'degraded', reasons: ['storage unhealthy'] } }),
      layer: 'services',
      subject: 'blog',
      detail: /^storage unhealthy$/,
      fix: /docker compose -p supafleet logs storage/,
    },
  ];
  for (const c of cases) {
    it(`when ${c.name}, then the first broken layer is ${c.layer} (${c.subject}) with what to do`, () => {
      const r = diagnose(observations(c.change));
      expect(r.ok).toBe(false);
      expect(r.firstBroken).toMatchObject({ layer: c.layer, subject: c.subject, outcome: 'failed' });
      expect(r.firstBroken!.detail).toMatch(c.detail);
      expect(r.firstBroken!.fix).toMatch(c.fix);
      expect(formatDoctor(r).at(-1)).toContain(`the first broken layer is ${c.layer} (${c.subject})`);
    });
  }

  it('when a host does not resolve, then its certificate and Kong checks are skipped, not failed again', () => {
    const r = diagnose(
      observations((o) => o.dns.set('acme.example.com', { error: 'ENOTFOUND', code: 'ENOTFOUND' })),
    );
    expect(r.checks.filter((c) => c.outcome === 'failed').map((c) => `${c.layer} ${c.subject}`)).toEqual([
      'dns acme.example.com',
    ]);
    expect(r.checks.find((c) => c.layer === 'kong' && c.subject === 'acme')?.outcome).toBe('skipped');
  });

  it('when a short-lived certificate (a test CA, 12 hours) is fresh, then it passes', () => {
    const r = diagnose(
      observations((o) =>
        o.tls.set('acme.example.com', {
          ...goodCert,
          validFrom: '2026-12-01T11:00:00.000Z',
          validTo: '2026-12-01T23:00:00.000Z',
        }),
      ),
    );
    expect(r.ok).toBe(true);
    expect(
      r.checks.find((c) => c.layer === 'certificate' && c.subject === 'acme.example.com')?.detail,
    ).toMatch(/^valid until 2026-12-01 \(11 hours\)/);
  });

  it('when --master-address names another address than DNS gives, then every host is a DNS failure', () => {
    const r = diagnose(observations((o) => (o.masterAddress = '192.0.2.1')));
    expect(r.firstBroken).toMatchObject({ layer: 'dns', subject: 'fleet.example.com' });
    expect(r.checks.filter((c) => c.layer === 'dns' && c.outcome === 'failed')).toHaveLength(HOSTS.length);
  });

  it('when --connect-to is used, then DNS is not asked and says so', () => {
    const r = diagnose(
      observations((o) => {
        o.connectTo = { address: '127.0.0.1', port: 8443 };
        o.dns = new Map();
      }),
    );
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.layer === 'dns').map((c) => c.outcome)).toEqual(
      HOSTS.map(() => 'skipped'),
    );
    expect(r.checks[0]!.detail).toContain('--connect-to sends every connection to 127.0.0.1:8443');
  });

  it('when --project names one project, then only its host and checks appear; an unknown one is a failure', () => {
    const one = diagnose(observations((o) => (o.project = 'blog')));
    expect(doctorHosts(observations((o) => (o.project = 'blog'))).map((h) => h.host)).toEqual([
      'fleet.example.com',
      'fleet.admin.example.com',
      'blog.example.com',
    ]);
    expect(one.checks.some((c) => c.subject === 'acme' || c.subject === 'acme.example.com')).toBe(false);
    const none = diagnose(observations((o) => (o.project = 'shop')));
    expect(none.firstBroken).toMatchObject({ layer: 'master-api', subject: 'shop' });
  });

  it('when the master cannot be read, then only the master host is checked and the master API is the break', () => {
    const r = diagnose(
      observations((o) => {
        o.master = { ok: false, kind: 'unreachable', message: 'ECONNREFUSED' };
      }),
    );
    expect([...new Set(r.checks.map((c) => c.subject))]).toEqual([
      'fleet.example.com',
      'https://fleet.example.com',
    ]);
  });

  it("when one of the master's own parts fails, then the master API layer names it", () => {
    const r = diagnose(
      observations((o) => {
        o.master = fleetRead(
          fleetStatus([projectStatus('acme')], {
            master: {
              state: 'degraded',
              reasons: ['Kong: its Admin API does not answer within 2000 ms'],
              version: '0.1.0',
              checks: [{ name: 'Kong', ok: false, detail: 'its Admin API does not answer within 2000 ms' }],
            },
          }),
        );
      }),
    );
    expect(r.firstBroken).toMatchObject({ layer: 'master-api', subject: 'master: Kong' });
  });
});

describe("doctor: which of the master's health reasons are about services", () => {
  const at = (s: number) => new Date(NOW.getTime() - s * 1000);
  const base = {
    now: NOW,
    since: at(600),
    desiredRevision: 3,
    heartbeatAt: at(5),
    apply: { state: 'applied' as const, revision: 3 },
    services: [{ name: 'rest', state: 'healthy' as const }],
  };
  const cases: { name: string; input: Partial<Parameters<typeof computeHealth>[0]>; services: string[] }[] = [
    { name: 'the peer is missing', input: { peerMissing: true, heartbeatAt: at(400) }, services: [] },
    { name: 'no heartbeat yet', input: { heartbeatAt: null }, services: [] },
    {
      name: 'no heartbeat long after creation',
      input: { heartbeatAt: null, since: at(3 * 3600) },
      services: [],
    },
    { name: 'a silent worker', input: { heartbeatAt: at(400) }, services: [] },
    { name: 'a stale heartbeat', input: { heartbeatAt: at(100) }, services: [] },
    {
      name: 'a failed apply',
      input: { apply: { state: 'failed', revision: 3, running_revision: 2 } },
      services: [],
    },
    {
      name: 'an older revision',
      input: { apply: { state: 'applying', revision: 3, running_revision: 2 } },
      services: [],
    },
    { name: 'nothing applied yet', input: { apply: { state: 'applying', revision: 3 } }, services: [] },
    { name: 'an old handshake', input: { handshakeAgeS: 400 }, services: [] },
    {
      name: 'two services are not healthy',
      input: {
        services: [
          { name: 'storage', state: 'unhealthy' },
          { name: 'realtime', state: 'starting' },
        ],
      },
      services: ['storage', 'realtime'],
    },
  ];
  for (const c of cases) {
    it(`when the master's reason is "${c.name}", then doctor counts ${c.services.length ? c.services.join(' and ') : 'no service'}`, () => {
      const h = computeHealth({ ...base, ...c.input });
      expect(h.reasons.length).toBeGreaterThan(0);
      expect(serviceReasons(h.reasons)).toEqual({
        reasons: c.services.length ? h.reasons : [],
        services: c.services,
      });
    });
  }
  it('when no service is reported at all, then it is a services failure without a service to name', () => {
    const h = computeHealth({ ...base, services: [] });
    expect(serviceReasons(h.reasons)).toEqual({ reasons: ['no services reported'], services: [] });
    const r = diagnose(
      observations((o) => breakProject(o, 'acme', { health: { state: 'degraded', reasons: h.reasons } })),
    );
    expect(r.firstBroken).toMatchObject({
      layer: 'services',
      subject: 'acme',
      detail: 'no services reported',
    });
    expect(r.firstBroken!.fix).toBe("on acme's worker: docker compose -p supafleet ps");
  });
});
