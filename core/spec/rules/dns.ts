import { quote } from '../errors.ts';

/**
 * Names that can never be a project name or subdomain: the master's own hosts,
 * service names that appear in URLs, and names that mislead users or mail.
 */
export const RESERVED_NAMES: readonly string[] = [
  'admin',
  'api',
  'auth',
  'authelia',
  'autoconfig',
  'autodiscover',
  'caddy',
  'dashboard',
  'default',
  'dns',
  'fleet',
  'ftp',
  'functions',
  'graphql',
  'health',
  'imap',
  'internal',
  'kong',
  'localhost',
  'logflare',
  'logs',
  'mail',
  'master',
  'meta',
  'metrics',
  'pooler',
  'pop',
  'realtime',
  'rest',
  'root',
  'smtp',
  'status',
  'storage',
  'studio',
  'supabase',
  'supafleet',
  'supavisor',
  'vector',
  'webmail',
  'wireguard',
  'www',
];

const RESERVED = new Set(RESERVED_NAMES);

/** What a name must look like, for messages. */
export const LABEL_RULE =
  '3-32 characters of a-z, 0-9 and "-", starting with a letter and not ending with "-"';

/**
 * Why `value` is not a valid project name, subdomain or fleet name (a DNS label
 * of 3-32 characters), or undefined when it is.
 */
export function labelProblem(value: string): string | undefined {
  const why = labelReason(value);
  return why === undefined
    ? undefined
    : `${quote(value)} is not a valid name (${why}); expected ${LABEL_RULE}`;
}

function labelReason(value: string): string | undefined {
  if (value.length < 3) return 'too short';
  if (value.length > 32) return `${value.length} characters`;
  if (/[A-Z]/.test(value)) return 'uppercase letters';
  if (!/^[a-z]/.test(value)) return 'does not start with a letter';
  if (value.endsWith('-')) return 'ends with "-"';
  const bad = /[^a-z0-9-]/.exec(value);
  if (bad) return `contains ${quote(bad[0])}`;
  return undefined;
}

/** Why `value` is reserved, or undefined when it may be used. */
export function reservedProblem(value: string): string | undefined {
  return RESERVED.has(value)
    ? `${quote(value)} is reserved (the fleet uses it for its own hosts and services); choose another name`
    : undefined;
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why `value` is not a host name (such as smtp.example.com), or undefined. */
export function hostnameProblem(value: string): string | undefined {
  const ok =
    value.length > 0 && value.length <= 253 && value.split('.').every((label) => HOST_LABEL.test(label));
  return ok ? undefined : `${quote(value)} is not a host name; expected a name such as smtp.example.com`;
}

/** Why `value` is not a lowercase DNS domain with at least two labels (example.com), or undefined. */
export function domainProblem(value: string): string | undefined {
  const labels = value.split('.');
  const ok =
    value.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => HOST_LABEL.test(label) && label === label.toLowerCase()) &&
    /^[a-z]{2,63}$/.test(labels[labels.length - 1]!);
  return ok
    ? undefined
    : `${quote(value)} is not a domain name; expected lowercase labels separated by dots, such as example.com`;
}
