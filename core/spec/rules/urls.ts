import { quote } from '../errors.ts';

function parse(value: string): URL | undefined {
  if (/\s/.test(value) || value.length > 2048) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Why `value` is not an https URL without credentials (https://acme.com/...), or undefined. */
export function httpsUrlProblem(value: string): string | undefined {
  const url = parse(value);
  if (!url) return `${quote(value)} is not a URL; expected an https URL such as https://acme.com`;
  if (url.protocol !== 'https:') {
    return `${quote(value)} uses ${url.protocol.slice(0, -1)}; expected an https URL such as https://acme.com`;
  }
  if (url.username || url.password) {
    return `${quote(value)} contains a user name or password; expected an https URL without credentials`;
  }
  if (!url.hostname.includes('.') && url.hostname !== 'localhost') {
    return `${quote(value)} has no domain; expected an https URL such as https://acme.com`;
  }
  return undefined;
}

/** Why `value` is not a CORS origin (https://host[:port], nothing after it), or undefined. */
export function originProblem(value: string): string | undefined {
  const problem = httpsUrlProblem(value);
  if (problem) return problem;
  const url = new URL(value);
  if (value.replace(/\/$/, '') !== url.origin) {
    return `${quote(value)} is not an origin; expected only scheme and host, such as ${url.origin}`;
  }
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const APP_SCHEME = /^[a-z][a-z0-9+-]*(?:\.[a-z0-9+-]+)+$/;

/**
 * Why `value` is not an acceptable auth redirect URL, or undefined. Accepted:
 * https URLs; http only for localhost (local development); app links with a
 * reverse-DNS scheme (com.acme.app://callback). `*` and `**` wildcards may stand
 * in the path, and `*.` may start the host.
 */
export function redirectUrlProblem(value: string): string | undefined {
  const expected =
    'expected an https URL (http only for localhost, or an app link such as com.acme.app://callback)';
  const problem = redirectUrlShapeProblem(value, expected);
  if (problem !== undefined) return problem;
  // GoTrue reads GOTRUE_URI_ALLOW_LIST as a comma-separated list (supabase/auth v2.186.0
  // internal/conf/configuration.go:342 URIAllowList []string, split at "," by envconfig v1.4.0).
  if (value.includes(',')) {
    return `${quote(value)} contains a comma, which GoTrue would read as several allow-list entries; expected one URL per list item`;
  }
  return undefined;
}

function redirectUrlShapeProblem(value: string, expected: string): string | undefined {
  const host = hostOf(value);
  if (host.includes('*') && (!host.startsWith('*.') || host.slice(2).includes('*'))) {
    return `${quote(value)} has a wildcard inside the host; only a leading "*." is allowed there`;
  }
  // Wildcards are checked; replace them so the URL parser sees a plain URL.
  const plain = value.replace(/^([^:/]+:\/\/)\*\./, '$1wildcard.').replace(/\*/g, 'w');
  const url = parse(plain);
  if (!url) return `${quote(value)} is not a URL; ${expected}`;
  if (url.username || url.password) return `${quote(value)} contains a user name or password; ${expected}`;
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'https') {
    return url.hostname.includes('.') || url.hostname === 'localhost'
      ? undefined
      : `${quote(value)} has no domain; ${expected}`;
  }
  if (scheme === 'http') {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? undefined
      : `${quote(value)} uses http for a host other than localhost; ${expected}`;
  }
  if (APP_SCHEME.test(scheme)) return undefined;
  return `${quote(value)} uses the scheme ${quote(scheme)}; ${expected}`;
}

function hostOf(value: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value);
  return m ? m[1]! : '';
}
