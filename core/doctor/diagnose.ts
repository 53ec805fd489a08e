/**
 * The pure half of `supafleet doctor`: from what the probes saw (types.ts) to one check per
 * layer and host or project, in the order of the path (DNS, certificate, master API, Kong,
 * WireGuard, worker, services), each failed check with what to do. A check whose layer below
 * failed for the same host or project is skipped, not failed again: the report names the first
 * broken layer once.
 */
import { isIP } from 'node:net';
import { age } from '../fleet-status/format.ts';
import type { ProjectStatus } from '../fleet-status/types.ts';
import type {
  DoctorCheck,
  DoctorLayer,
  DoctorObservations,
  DoctorReport,
  DnsSeen,
  KongSeen,
  TlsSeen,
} from './types.ts';
import { DOCTOR_LAYERS } from './types.ts';

/** A heartbeat at least this old is stale (master/src/health.ts FRESH_S). */
export const HEARTBEAT_FRESH_S = 90;
/**
 * Caddy renews a certificate when a third of its lifetime is left (a month for a 90-day one):
 * with less than a sixth left, or 7 days, whichever is shorter, renewal has been failing.
 */
export const CERT_MIN_DAYS = 7;
function renewalOverdue(validFrom: string, validTo: string, now: Date): boolean {
  const lifetime = Date.parse(validTo) - Date.parse(validFrom);
  const left = Date.parse(validTo) - now.getTime();
  return left < Math.min(CERT_MIN_DAYS * 86_400_000, lifetime / 6);
}
/** `3 days` or `5 hours`. */
function timeLeft(ms: number): string {
  return ms >= 2 * 86_400_000
    ? `${Math.floor(ms / 86_400_000)} days`
    : `${Math.max(0, Math.floor(ms / 3_600_000))} hours`;
}
/** Kong 3.9.1's router answer when no route matches (kong/runloop/handler.lua:1197). */
export const KONG_NO_ROUTE = 'no Route matched with those values';
/** The reasons master/src/health.ts gives for the heartbeat, the revision and WireGuard; the others are services. */
const NOT_A_SERVICE =
  /^(waiting for the first heartbeat|no heartbeat|last heartbeat|revision \d+ (failed|not applied)|running revision|WireGuard )/;

/** A host doctor checks, and the DNS record that makes it resolve. */
export interface DoctorHost {
  readonly host: string;
  readonly role: 'master' | 'admin' | 'project';
  /** e.g. `fleet.example.com` or `*.example.com` */
  readonly record: string;
  readonly project?: string;
  /** https (a certificate to check) or plain http (loopback only). */
  readonly tls: boolean;
}

/** The hosts to check: the master URL's, the admin host (where the fleet data came from), each project's. */
export function doctorHosts(o: Pick<DoctorObservations, 'masterUrl' | 'master' | 'project'>): DoctorHost[] {
  const out: DoctorHost[] = [];
  const seen = new Set<string>();
  const add = (h: DoctorHost): void => {
    if (seen.has(h.host)) return;
    seen.add(h.host);
    out.push(h);
  };
  const master = new URL(o.masterUrl);
  add({ host: master.hostname, role: 'master', record: master.hostname, tls: master.protocol === 'https:' });
  if (o.master.ok) {
    const admin = new URL(o.master.consoleUrl);
    const zone = admin.hostname.replace(/^fleet\./, '');
    add({ host: admin.hostname, role: 'admin', record: `*.${zone}`, tls: admin.protocol === 'https:' });
    const domain = o.master.fleet.fleet.domain;
    add({ host: `fleet.${domain}`, role: 'master', record: `fleet.${domain}`, tls: true });
    for (const p of selected(o)) {
      const u = new URL(p.url);
      add({
        host: u.hostname,
        role: 'project',
        record: `*.${domain}`,
        project: p.name,
        tls: u.protocol === 'https:',
      });
    }
  }
  return out;
}

function selected(o: Pick<DoctorObservations, 'master' | 'project'>): readonly ProjectStatus[] {
  if (!o.master.ok) return [];
  return o.master.fleet.projects.filter((p) => o.project === undefined || p.name === o.project);
}

const isName = (host: string): boolean => isIP(host.replace(/^\[|\]$/g, '')) === 0 && host !== 'localhost';

function dnsCheck(
  h: DoctorHost,
  seen: DnsSeen | undefined,
  o: DoctorObservations,
  expected: readonly string[],
): DoctorCheck {
  const base = { layer: 'dns' as const, subject: h.host };
  if (!isName(h.host))
    return { ...base, outcome: 'ok', detail: 'an address, not a name: nothing to resolve' };
  if (o.connectTo) {
    return {
      ...base,
      outcome: 'skipped',
      detail: `not asked: --connect-to sends every connection to ${o.connectTo.address}:${o.connectTo.port}`,
    };
  }
  const masterIs = expected.length > 0 ? expected.join(', ') : "<the master's IPv4 address>";
  if (!seen || 'error' in seen) {
    return {
      ...base,
      outcome: 'failed',
      detail: `${h.host} does not resolve (${seen && 'error' in seen ? (seen.code ?? seen.error) : 'not asked'})`,
      fix: `create the DNS record ${h.record} A ${masterIs} (and AAAA for IPv6), then wait for it to propagate`,
    };
  }
  if (expected.length > 0 && !seen.addresses.some((a) => expected.includes(a))) {
    return {
      ...base,
      outcome: 'failed',
      detail: `${h.host} resolves to ${seen.addresses.join(', ')}, not to the master (${masterIs})`,
      fix: `point the DNS record ${h.record} at ${masterIs}`,
    };
  }
  return { ...base, outcome: 'ok', detail: `resolves to ${seen.addresses.join(', ')}` };
}

function certCheck(h: DoctorHost, seen: TlsSeen | undefined, o: DoctorObservations): DoctorCheck {
  const base = { layer: 'certificate' as const, subject: h.host };
  const caddy =
    h.role === 'project'
      ? `on the master, Caddy's log for ${h.host} (docker compose -p supafleet-master logs caddy): it asks the master's /v1/tls/ask, which admits registered project hosts only`
      : `on the master, Caddy's log for ${h.host} (docker compose -p supafleet-master logs caddy)`;
  if (!h.tls) return { ...base, outcome: 'ok', detail: 'plain http on loopback: no certificate' };
  if (!seen) return { ...base, outcome: 'skipped', detail: 'not asked' };
  if ('error' in seen) {
    return {
      ...base,
      outcome: 'failed',
      detail: `no TLS handshake with ${h.host}:${o.connectTo?.port ?? 443}: ${seen.code ?? seen.error}`,
      fix: `check that the master's firewall lets TCP 443 in and that Caddy runs; then ${caddy}`,
    };
  }
  const left = timeLeft(Date.parse(seen.validTo) - o.now.getTime());
  if (!seen.nameMatches) {
    return {
      ...base,
      outcome: 'failed',
      detail: `the certificate (issued by ${seen.issuer}) does not name ${h.host}`,
      fix: `${h.host} reaches another server or site: check the DNS record ${h.record}, then ${caddy}`,
    };
  }
  if (!seen.authorized) {
    return {
      ...base,
      outcome: 'failed',
      detail: `the certificate for ${h.host} does not verify: ${seen.authorizationError ?? 'untrusted'} (issued by ${seen.issuer})`,
      fix: `Caddy could not get a certificate from a public CA: ${caddy}; a test CA needs --cacert <file>`,
    };
  }
  if (renewalOverdue(seen.validFrom, seen.validTo, o.now)) {
    return {
      ...base,
      outcome: 'failed',
      detail: `the certificate for ${h.host} expires ${seen.validTo} (in ${left}): Caddy has stopped renewing it`,
      fix: caddy,
    };
  }
  return {
    ...base,
    outcome: 'ok',
    detail: `valid until ${new Date(seen.validTo).toISOString().slice(0, 10)} (${left}), issued by ${seen.issuer}`,
  };
}

function masterChecks(o: DoctorObservations): DoctorCheck[] {
  const base = { layer: 'master-api' as const, subject: o.masterUrl };
  const m = o.master;
  if (!m.ok) {
    const fix =
      m.kind === 'unauthorized'
        ? 'make a token on the master (supafleet master token create --name me --scope read) and set SUPAFLEET_API_TOKEN'
        : m.kind === 'forbidden'
          ? 'use a token of read scope or more (supafleet master token create --name me --scope read)'
          : m.kind === 'unreachable'
            ? `check the master answers: curl ${o.masterUrl}/healthz; on the master: docker compose -p supafleet-master ps`
            : `check ${o.masterUrl} is the master's API (https://fleet.<domain>)`;
    const what =
      m.kind === 'unauthorized'
        ? 'the master refused the token in SUPAFLEET_API_TOKEN'
        : m.kind === 'forbidden'
          ? 'the token in SUPAFLEET_API_TOKEN lacks the read scope'
          : m.kind === 'unreachable'
            ? 'the master API does not answer'
            : 'the master API answered something else than the fleet data';
    return [{ ...base, outcome: 'failed', detail: `${what}: ${m.message}`, fix }];
  }
  const f = m.fleet;
  const checks: DoctorCheck[] = [
    {
      ...base,
      outcome: 'ok',
      detail: `answers: supafleet ${f.master.version}, fleet ${f.fleet.name}, the token is accepted (read scope)`,
    },
  ];
  for (const c of f.master.checks) {
    checks.push({
      layer: 'master-api',
      subject: `master: ${c.name}`,
      outcome: c.ok ? 'ok' : 'failed',
      detail: c.detail,
      ...(c.ok
        ? {}
        : { fix: `on the master: docker compose -p supafleet-master ps, then the logs of ${c.name}` }),
    });
  }
  return checks;
}

/** Kong's mark on an answer: `Server: kong/…` on its own, `Via: … kong/…` on what it proxied. */
function kongCheck(
  p: ProjectStatus,
  host: string,
  seen: KongSeen | undefined,
  o: DoctorObservations,
): DoctorCheck[] {
  const base = { layer: 'kong' as const, subject: p.name };
  const domain = o.master.ok ? o.master.fleet.fleet.domain : '';
  const path = `${host}/rest/v1/`;
  if (!seen) return [{ ...base, outcome: 'skipped', detail: 'not asked' }];
  if ('error' in seen) {
    return [
      {
        ...base,
        outcome: 'failed',
        detail: `GET https://${path}: ${seen.code ?? seen.error}`,
        fix: 'check the DNS and certificate lines above for this host',
      },
    ];
  }
  const fromKong = (seen.server ?? '').toLowerCase().includes('kong/');
  const proxied = (seen.via ?? '').toLowerCase().includes('kong/') || seen.upstreamLatency !== undefined;
  const said = `HTTP ${seen.status}${seen.message ? ` "${seen.message}"` : ''}`;
  if (proxied)
    return [{ ...base, outcome: 'ok', detail: `${path} reaches the worker through Kong (${said})` }];
  if (fromKong && seen.status === 404 && (seen.message ?? '').includes(KONG_NO_ROUTE)) {
    return [
      {
        ...base,
        outcome: 'failed',
        detail: `Kong has no route for ${path} (${said})`,
        fix: `reconcile ${p.name}'s routes: re-run the apply workflow, or curl -X PUT -H "Authorization: Bearer $SUPAFLEET_API_TOKEN" https://fleet.${domain}/v1/projects/${p.name}/routes (write scope)`,
      },
    ];
  }
  if (fromKong && (seen.status === 502 || seen.status === 503 || seen.status === 504)) {
    return [
      { ...base, outcome: 'ok', detail: `Kong routes ${path}` },
      {
        layer: 'wireguard',
        subject: p.name,
        outcome: 'failed',
        detail: `Kong cannot reach ${p.name}'s worker (${said})`,
        fix: `on the master: sudo wg show (a recent handshake for ${p.name}'s peer); on the worker: docker compose -p supafleet ps`,
      },
    ];
  }
  if (fromKong)
    return [{ ...base, outcome: 'ok', detail: `Kong routes ${path} (its own ${said} without a key)` }];
  return [
    {
      ...base,
      outcome: 'failed',
      detail: `${host} answered ${said} without Kong's mark: the edge answers, Kong behind it does not`,
      fix: 'on the master: docker compose -p supafleet-master ps kong, then its logs',
    },
  ];
}

function wireguardCheck(p: ProjectStatus): DoctorCheck {
  const base = { layer: 'wireguard' as const, subject: p.name };
  const wg = p.wireguard;
  switch (wg.state) {
    case 'connected':
      return {
        ...base,
        outcome: 'ok',
        detail: `the master's peer for ${p.name} shook hands ${age(wg.handshake_age_s)} ago`,
      };
    case 'unknown':
      return {
        ...base,
        outcome: 'ok',
        detail: `the master does not know the handshake age of ${p.name}'s peer`,
      };
    case 'stale':
      return {
        ...base,
        outcome: 'failed',
        detail: `the last handshake with ${p.name}'s worker was ${age(wg.handshake_age_s)} ago`,
        fix: `on the worker: sudo wg show wg0 (it dials the master on UDP 51820); on the master: sudo wg show wg0`,
      };
    case 'missing':
      return {
        ...base,
        outcome: 'failed',
        detail: `the master's WireGuard interface has no peer for ${p.name}`,
        fix: 'restart the master API (it restores its peers at start): docker compose -p supafleet-master restart master',
      };
    case 'not enrolled':
      return {
        ...base,
        outcome: 'failed',
        detail: `${p.name}'s worker has not enrolled`,
        fix: `on the worker: /var/log/supafleet-bootstrap.log; a worker that never enrolls: re-run the apply workflow (a new enrollment token)`,
      };
  }
}

function workerCheck(p: ProjectStatus): DoctorCheck {
  const base = { layer: 'worker' as const, subject: p.name };
  const agentLogs = `on ${p.name}'s worker: docker compose -p supafleet logs agent`;
  if (p.heartbeat_age_s === null) {
    return { ...base, outcome: 'failed', detail: `no heartbeat from ${p.name}'s agent yet`, fix: agentLogs };
  }
  if (p.heartbeat_age_s >= HEARTBEAT_FRESH_S) {
    return {
      ...base,
      outcome: 'failed',
      detail: `the last heartbeat of ${p.name}'s agent was ${age(p.heartbeat_age_s)} ago`,
      fix: `${agentLogs}; start it with docker compose -p supafleet up -d agent`,
    };
  }
  if (p.applied_revision === null || p.applied_revision < p.desired_revision) {
    const why = p.health.reasons.find((r) => /revision/.test(r));
    return {
      ...base,
      outcome: 'failed',
      detail: `${p.name} runs revision ${p.applied_revision ?? 'none'} of ${p.desired_revision}${why ? ` (${why})` : ''}`,
      fix: agentLogs,
    };
  }
  return {
    ...base,
    outcome: 'ok',
    detail: `heartbeat ${age(p.heartbeat_age_s)} ago, revision ${p.applied_revision} applied`,
  };
}

/** A service's own reason (master/src/health.ts: `<service> <state>`), with the service's name. */
const SERVICE_REASON = /^([a-z][a-z0-9-]*) (unhealthy|starting|down)$/;

/**
 * The reasons of a project's health that are about its services: each `<service> <state>` and
 * `no services reported`; the heartbeat, revision and WireGuard reasons belong to other layers.
 */
export function serviceReasons(reasons: readonly string[]): { reasons: string[]; services: string[] } {
  const out = reasons.filter((r) => !NOT_A_SERVICE.test(r));
  const services = out.flatMap((r) => SERVICE_REASON.exec(r)?.[1] ?? []);
  return { reasons: out, services };
}

function servicesCheck(p: ProjectStatus): DoctorCheck {
  const base = { layer: 'services' as const, subject: p.name };
  const { reasons, services } = serviceReasons(p.health.reasons);
  if (reasons.length === 0 && p.health.state === 'healthy') {
    return { ...base, outcome: 'ok', detail: 'every service reports healthy' };
  }
  if (reasons.length === 0) {
    return {
      ...base,
      outcome: 'ok',
      detail: `no service reports a problem (${p.name} is ${p.health.state}: see the lines above)`,
    };
  }
  return {
    ...base,
    outcome: 'failed',
    detail: reasons.join('; '),
    fix: `on ${p.name}'s worker: docker compose -p supafleet ps${services.length ? ` and docker compose -p supafleet logs ${services.join(' ')}` : ''}`,
  };
}

/** The report: every check in layer order, and the first that failed. */
export function diagnose(o: DoctorObservations): DoctorReport {
  const hosts = doctorHosts(o);
  const checks: DoctorCheck[] = [];
  const dnsFailed = new Set<string>();
  const tlsFailed = new Set<string>();
  const addressesOf = (host: string): string[] => {
    const s = o.dns.get(host);
    return s && 'addresses' in s ? [...s.addresses] : [];
  };
  const masterHost = hosts[0]!.host;
  const expected = o.masterAddress ? [o.masterAddress] : isName(masterHost) ? addressesOf(masterHost) : [];
  for (const h of hosts) {
    const c = dnsCheck(h, o.dns.get(h.host), o, expected);
    if (c.outcome === 'failed') dnsFailed.add(h.host);
    checks.push(c);
  }
  for (const h of hosts) {
    if (dnsFailed.has(h.host)) {
      checks.push({
        layer: 'certificate',
        subject: h.host,
        outcome: 'skipped',
        detail: 'the name does not resolve to the master',
      });
      continue;
    }
    const c = certCheck(h, o.tls.get(h.host), o);
    if (c.outcome === 'failed') tlsFailed.add(h.host);
    checks.push(c);
  }
  checks.push(...masterChecks(o));
  const projects = selected(o);
  const hostOf = new Map(hosts.filter((h) => h.project).map((h) => [h.project!, h.host]));
  const wgFromKong = new Set<string>();
  for (const p of projects) {
    const host = hostOf.get(p.name) ?? new URL(p.url).hostname;
    if (dnsFailed.has(host) || tlsFailed.has(host)) {
      checks.push({
        layer: 'kong',
        subject: p.name,
        outcome: 'skipped',
        detail: `no connection to ${host} (see above)`,
      });
      continue;
    }
    for (const c of kongCheck(p, host, o.kong.get(p.name), o)) {
      if (c.layer === 'wireguard') wgFromKong.add(p.name);
      checks.push(c);
    }
  }
  for (const p of projects) {
    const wg = wireguardCheck(p);
    if (!(wgFromKong.has(p.name) && wg.outcome === 'ok')) checks.push(wg);
  }
  const silent = new Set<string>();
  for (const p of projects) {
    const c = workerCheck(p);
    if (c.outcome === 'failed') silent.add(p.name);
    checks.push(c);
  }
  for (const p of projects) {
    checks.push(
      silent.has(p.name)
        ? {
            layer: 'services',
            subject: p.name,
            outcome: 'skipped',
            detail: 'the worker does not report (see above)',
          }
        : servicesCheck(p),
    );
  }
  if (o.project !== undefined && o.master.ok && projects.length === 0) {
    checks.push({
      layer: 'master-api',
      subject: o.project,
      outcome: 'failed',
      detail: `the master has no project "${o.project}"`,
      fix: `supafleet status lists the projects the master knows`,
    });
  }
  const order = (l: DoctorLayer): number => DOCTOR_LAYERS.indexOf(l);
  const sorted = checks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => order(a.c.layer) - order(b.c.layer) || a.i - b.i)
    .map((x) => x.c);
  const firstBroken = sorted.find((c) => c.outcome === 'failed');
  return {
    ok: firstBroken === undefined,
    master: o.masterUrl,
    ...(firstBroken ? { firstBroken } : {}),
    checks: sorted,
  };
}
