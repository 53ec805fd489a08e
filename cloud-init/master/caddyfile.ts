/**
 * The master's Caddyfile. TLS is on demand (Caddy asks the master API whether a
 * host is a registered project before getting a certificate) or one wildcard
 * certificate through DNS-01. Every site sends security headers including HSTS.
 *
 * The admin surfaces (Authelia's login, the project Studios, the dashboard) live in the admin
 * zone (`admin.<domain>` by default), behind Authelia's forward_auth, or basic auth
 * when Authelia is off. Authelia's cookie is scoped to that zone, which holds no
 * project host, so tenant code never receives it. `fleet.<domain>` serves the API
 * only (token-authenticated, no cookie) and sends its dashboard and console paths to the
 * zone. The console's page is gated there; its data (`/console/api/`) is not, since it
 * carries an API token in the Authorization header the gate would claim.
 * As a second line, a project request carrying Authelia's cookie (a cookie set for a
 * wider domain before, or by someone else) loses its Cookie header before Kong.
 * The domain and e-mail are checked to be a DNS name and an address first, so
 * nothing else can reach the file.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { email } from '../shared/checks.ts';
import { AUTHELIA_COOKIE } from './authelia.ts';
import { masterLayout, STUDIO_FRONT_LISTEN } from './layout.ts';

export interface CaddyfileOptions {
  /** Extra global options (tests add admin, ports and storage here). */
  readonly extraGlobals?: readonly string[];
}

const SECURITY = `(security) {
	header {
		Strict-Transport-Security "max-age=31536000; includeSubDomains"
		X-Content-Type-Options nosniff
		X-Frame-Options SAMEORIGIN
		Referrer-Policy strict-origin-when-cross-origin
		Permissions-Policy "camera=(), microphone=(), geolocation=(), payment=()"
		-Server
	}
}`;

const AUTHELIA_GATE = `(gate) {
	forward_auth 127.0.0.1:9091 {
		uri /api/authz/forward-auth
		copy_headers Remote-User Remote-Groups Remote-Email Remote-Name
	}
}`;

/**
 * Project routes: a request carrying Authelia's session cookie loses its Cookie header
 * before Kong, so no tenant sees it. Other cookies pass (a project's own cookies on its
 * host are its business; GoTrue v2.186.0 reads none).
 */
const PROJECT_PROXY = [
  `\t@admin_cookie header_regexp Cookie (?:^|;\\s*)${AUTHELIA_COOKIE}=`,
  '\trequest_header @admin_cookie -Cookie',
  '\treverse_proxy 127.0.0.1:8000',
  '',
].join('\n');

const BASIC_GATE = `(gate) {
	basicauth {
		admin {$DASHBOARD_PASSWORD_HASH}
	}
}`;

export function renderCaddyfile(fleet: ResolvedFleet, options: CaddyfileOptions = {}): string {
  const { domain, adminDomain, apiListen } = masterLayout(fleet);
  const wildcard = fleet.tls.mode === 'wildcard_dns';
  if (wildcard && fleet.tls.dns_provider === undefined) {
    throw new Error('tls.dns_provider: required when tls.mode is wildcard_dns (hetzner or cloudflare)');
  }
  const globals = [
    ...(fleet.tls.email !== undefined ? [`email ${email('tls.email', fleet.tls.email)}`] : []),
    ...(wildcard ? [] : ['on_demand_tls {', `\task http://${apiListen}/v1/tls/ask`, '}']),
    ...(options.extraGlobals ?? []),
  ];
  const tls = wildcard ? `\ttls {\n\t\tdns ${fleet.tls.dns_provider} {env.DNS_API_TOKEN}\n\t}\n` : '';
  const site = (host: string, body: string): string => `${host} {\n${tls}\timport security\n${body}}`;
  // The TLS ask endpoint answers Caddy on loopback only.
  const noAsk = ['\thandle /v1/tls/ask {', '\t\trespond 404', '\t}'];
  const blocks = [
    `{\n${globals.map((g) => `\t${g}`).join('\n')}\n}`,
    SECURITY,
    fleet.authelia.enabled ? AUTHELIA_GATE : BASIC_GATE,
  ];
  // The admin zone: Authelia's cookie domain. Everything here is gated.
  if (fleet.authelia.enabled) blocks.push(site(`auth.${adminDomain}`, '\treverse_proxy 127.0.0.1:9091\n'));
  blocks.push(
    // Studio's old address leads to the console, where each project's Studio is linked.
    site(`studio.${adminDomain}`, `\tredir https://fleet.${adminDomain}/console/\n`),
    site(
      `fleet.${adminDomain}`,
      [
        ...noAsk,
        // The console's data and the project actions its pages call (backups, restart,
        // credentials) need an API token in Authorization (master/src/console); the gate reads
        // that header for itself (basic auth, Authelia's HeaderAuthorization), so these paths are
        // the master's to authenticate, as every API path is at fleet.<domain>.
        '\t@token_api path /console/api/* /v1/projects/*',
        '\thandle @token_api {',
        `\t\treverse_proxy ${apiListen}`,
        '\t}',
        '\thandle {',
        '\t\timport gate',
        `\t\treverse_proxy ${apiListen}`,
        '\t}',
        '',
      ].join('\n'),
    ),
  );
  // One Studio per project at studio-<name>.<admin zone>, gated, through the master API's Studio
  // front (master/src/studio/), which starts it on demand. Other names in the zone: 404.
  const studioHost = `^studio-[a-z][a-z0-9-]{1,31}\\.${adminDomain.replaceAll('.', '\\.')}$`;
  const studioSite = [
    `\t@studio header_regexp Host ${studioHost}`,
    '\thandle @studio {',
    '\t\timport gate',
    `\t\treverse_proxy ${STUDIO_FRONT_LISTEN}`,
    '\t}',
    '\thandle {',
    '\t\trespond 404',
    '\t}',
    '',
  ].join('\n');
  blocks.push(
    wildcard
      ? site(`*.${adminDomain}`, studioSite)
      : `*.${adminDomain} {\n\ttls {\n\t\ton_demand\n\t}\n\timport security\n${studioSite}}`,
  );
  // The API host: tokens, not cookies; the dashboard and the console live in the admin zone.
  blocks.push(
    site(
      `fleet.${domain}`,
      [
        '\t@dashboard path /dashboard /dashboard/* /console /console/*',
        `\tredir @dashboard https://fleet.${adminDomain}{uri}`,
        ...noAsk,
        '\thandle {',
        `\t\treverse_proxy ${apiListen}`,
        '\t}',
        '',
      ].join('\n'),
    ),
  );
  // Every other host is a project: Kong routes it by Host. On demand, a certificate
  // is issued only for hosts the master API answers 200 for.
  blocks.push(
    wildcard
      ? site(`*.${domain}`, PROJECT_PROXY)
      : `https:// {\n\ttls {\n\t\ton_demand\n\t}\n\timport security\n${PROJECT_PROXY}}`,
  );
  return blocks.join('\n\n') + '\n';
}
