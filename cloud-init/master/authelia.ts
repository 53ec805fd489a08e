/**
 * Authelia's configuration: TOTP two-factor, file user backend (bcrypt cost 12),
 * default deny, sessions in Redis (with a password), regulation of failed logins.
 * The session cookie is scoped to the admin zone (`admin.<domain>` by default),
 * which holds no project host, so tenant code never receives it; every protected
 * host lives in that zone. Secrets reach Authelia as environment variables from
 * `.env`, never in this file. Storage is Authelia's own SQLite file, not the
 * master's Postgres superuser.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { toYaml } from '../shared/yaml.ts';
import { masterLayout } from './layout.ts';

/** The name of Authelia's session cookie (set here, stripped from project requests by Caddy). */
export const AUTHELIA_COOKIE = 'authelia_session';

export function renderAutheliaConfig(fleet: ResolvedFleet): string {
  const { domain, adminDomain } = masterLayout(fleet);
  return toYaml({
    access_control: {
      default_policy: 'deny',
      rules: [
        { domain: [`fleet.${adminDomain}`], policy: 'two_factor' },
        // every project's Studio, studio-<name>.<admin zone> (master/src/studio/hosts.ts)
        {
          domain_regex: [`^studio-[a-z][a-z0-9-]{1,31}\\.${adminDomain.replaceAll('.', '\\.')}$`],
          policy: 'two_factor',
        },
      ],
    },
    authentication_backend: {
      file: { path: '/config/users.yml', password: { algorithm: 'bcrypt', bcrypt: { cost: 12 } } },
      password_reset: { disable: true },
    },
    log: { level: 'info' },
    notifier: { filesystem: { filename: '/data/notifications.txt' } },
    regulation: { ban_time: '10m', find_time: '2m', max_retries: 5 },
    server: { address: 'tcp://0.0.0.0:9091/' },
    session: {
      cookies: [
        {
          name: AUTHELIA_COOKIE,
          authelia_url: `https://auth.${adminDomain}`,
          domain: adminDomain,
          expiration: '1h',
          inactivity: '10m',
        },
      ],
      redis: { host: 'redis', port: 6379 },
    },
    storage: { local: { path: '/data/db.sqlite3' } },
    totp: { issuer: domain },
  });
}
