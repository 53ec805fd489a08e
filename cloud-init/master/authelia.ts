/**
 * Authelia's configuration: TOTP two-factor, file user backend (bcrypt cost 12),
 * default deny, the API paths bypassed, sessions in Redis (with a password),
 * regulation of failed logins. Secrets reach Authelia as environment variables
 * from `.env`, never in this file. Storage is Authelia's own SQLite file, not the
 * master's Postgres superuser.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { toYaml } from '../shared/yaml.ts';
import { masterLayout } from './layout.ts';

export function renderAutheliaConfig(fleet: ResolvedFleet): string {
  const { domain } = masterLayout(fleet);
  return toYaml({
    access_control: {
      default_policy: 'deny',
      rules: [
        {
          domain: [`fleet.${domain}`],
          policy: 'bypass',
          resources: ['^/v1/', '^/healthz$', '^/metrics$', '^/badges/'],
        },
        { domain: [`studio.${domain}`, `fleet.${domain}`], policy: 'two_factor' },
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
      cookies: [{ authelia_url: `https://auth.${domain}`, domain, expiration: '1h', inactivity: '10m' }],
      redis: { host: 'redis', port: 6379 },
    },
    storage: { local: { path: '/data/db.sqlite3' } },
    totp: { issuer: domain },
  });
}
