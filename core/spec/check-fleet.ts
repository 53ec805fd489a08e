import type { Issue, PathSegment } from './errors.ts';
import { quote } from './errors.ts';
import { adminZoneProblem } from './rules/admin-zone.ts';
import { domainProblem, hostnameProblem, labelProblem } from './rules/dns.ts';
import { emailProblem } from './rules/email.ts';
import { sealPublicKeyProblem, sshPublicKeyProblem } from './rules/keys.ts';
import { cidrProblem } from './rules/network.ts';
import { serverIssues } from './rules/servers.ts';
import { at, itemsAt, stringAt } from './walk.ts';

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const STORAGE_BOX_USER = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Each project backs up to its own Storage Box sub-account, which only the box's id lets apply
 * create: without it every worker would hold the box's main credential, which reads and deletes
 * every project's backups and the master's. Sharing it is an explicit opt-out.
 */
function storageBoxIssues(box: unknown): Issue[] {
  if (box === null || typeof box !== 'object' || Array.isArray(box)) return [];
  const { id, shared_credential: shared } = box as { id?: unknown; shared_credential?: unknown };
  if (shared === true && id !== undefined) {
    return [
      {
        path: ['storage_box', 'shared_credential'],
        message:
          'shared_credential: true cannot go with storage_box.id, which gives each project its own sub-account; ' +
          'expected one of them (remove shared_credential)',
      },
    ];
  }
  if (id === undefined && shared !== true) {
    return [
      {
        path: ['storage_box'],
        at: 'key',
        message:
          "storage_box has no id; expected the Storage Box's id in the Hetzner API (Hetzner Console shows it on " +
          "the box's page, and GET /v1/storage_boxes lists it as id), so each project backs up to its own " +
          'sub-account. Only to share the main account with every worker, set shared_credential: true',
      },
    ];
  }
  return [];
}

/**
 * The rules fleet.yaml must follow beyond its schema: names, domain and admin zone, catalogue,
 * network, seal key, TLS and SSH settings. Works on an unchecked document.
 */
export function fleetIssues(spec: unknown): Issue[] {
  const issues: Issue[] = [];
  const check = (path: readonly PathSegment[], rule: (v: string) => string | undefined): void => {
    const value = stringAt(spec, path);
    const message = value === undefined ? undefined : rule(value);
    if (message !== undefined) issues.push({ path, message });
  };

  check(['name'], labelProblem);
  check(['domain'], domainProblem);
  check(['admin_domain'], (v) => {
    const domain = stringAt(spec, ['domain']);
    return (
      domainProblem(v) ??
      (domain !== undefined && domainProblem(domain) === undefined ? adminZoneProblem(domain, v) : undefined)
    );
  });
  check(['github', 'repository'], (v) =>
    REPOSITORY.test(v)
      ? undefined
      : `${quote(v)} is not a repository; expected owner/name, such as acme-corp/fleet`,
  );
  issues.push(...serverIssues(at(spec, ['master', 'server']), ['master', 'server']));
  check(['network', 'cidr'], cidrProblem);
  check(['storage_box', 'host'], hostnameProblem);
  check(['storage_box', 'user'], (v) =>
    STORAGE_BOX_USER.test(v)
      ? undefined
      : `${quote(v)} is not a Storage Box user; expected a name such as u123456`,
  );
  issues.push(...storageBoxIssues(at(spec, ['storage_box'])));
  check(['seal', 'public_key'], sealPublicKeyProblem);
  check(['tls', 'email'], emailProblem);
  if (stringAt(spec, ['tls', 'mode']) === 'wildcard_dns' && at(spec, ['tls', 'dns_provider']) === undefined) {
    issues.push({
      path: ['tls', 'mode'],
      message:
        'tls.mode wildcard_dns needs tls.dns_provider (hetzner or cloudflare); expected both, or mode on_demand',
    });
  }
  check(['ssh', 'user'], (v) => {
    if (!POSIX_USER.test(v))
      return `${quote(v)} is not a user name; expected a POSIX user name such as deploy`;
    if (v === 'root') return '"root" may not log in over SSH; expected a non-root user such as deploy';
    return undefined;
  });
  itemsAt(spec, ['ssh', 'authorized_keys']).forEach((_, i) =>
    check(['ssh', 'authorized_keys', i], sshPublicKeyProblem),
  );
  return issues;
}
