/**
 * Every image and package supafleet deploys, pinned in one place. Nothing floats:
 * no `:latest`, no unversioned apt install. Update by pull request; the plan shows
 * which projects a pin change touches.
 */
import { SUPAFLEET_VERSION } from '../core/version.ts';

/**
 * The Supabase services follow one upstream self-hosted release (the tags listed by
 * supabase/supabase `docker/docker-compose.yml` at the Studio release named here),
 * so that the services are a combination Supabase itself tested together.
 */
export const SUPABASE_RELEASE = '2026.02.16';

/** Container images, by the role they play. */
export const images = {
  // Supabase services (one upstream release, see SUPABASE_RELEASE).
  postgres: 'supabase/postgres:15.8.1.085',
  auth: 'supabase/gotrue:v2.186.0',
  rest: 'postgrest/postgrest:v14.5',
  realtime: 'supabase/realtime:v2.78.15',
  storage: 'supabase/storage-api:v1.44.2',
  imgproxy: 'darthsim/imgproxy:v3.30.1',
  meta: 'supabase/postgres-meta:v0.95.2',
  functions: 'supabase/edge-runtime:v1.70.3',
  studio: 'supabase/studio:2026.02.16-sha-26c615c',
  logflare: 'supabase/logflare:1.31.2',
  vector: 'timberio/vector:0.53.0-alpine',
  supavisor: 'supabase/supavisor:2.7.4',
  // Master front and gateway. Kong 3.9.x is the last open-source line and runs with a database.
  kong: 'kong:3.9.1',
  caddy: 'caddy:2.10.2-alpine',
  /** Caddy with the hetzner and cloudflare DNS modules, for tls.mode wildcard_dns (built by this project). */
  caddyDns: `ghcr.io/supafleet/caddy-dns:2.10.2-${SUPAFLEET_VERSION}`,
  authelia: 'authelia/authelia:4.39.20',
  redis: 'redis:7.4.6-alpine',
  socketProxy: 'tecnativa/docker-socket-proxy:v0.4.1',
  // This project's own images, at the package version.
  agent: `ghcr.io/supafleet/agent:${SUPAFLEET_VERSION}`,
  master: `ghcr.io/supafleet/master:${SUPAFLEET_VERSION}`,
} as const;

export type ImageRole = keyof typeof images;

/**
 * The Hetzner image every server boots. The bootstrap is written for it: Docker's
 * Debian 12 repository below, Debian's security origins for unattended upgrades.
 */
export const SERVER_IMAGE = 'debian-12';

/**
 * Docker from Docker's own apt repository (Debian 12), every package at an exact version.
 * Docker 28 or later: since 28.0 (moby/moby#49325) the daemon drops packets routed
 * from outside the host straight to a container's address, so a port published on
 * 127.0.0.1 stays on 127.0.0.1 (27.x accepted them). Version strings as Docker's
 * bookworm repository names them (`5:<version>-1~debian.12~bookworm`).
 */
export const dockerApt = {
  url: 'https://download.docker.com/linux/debian',
  suite: 'bookworm',
  component: 'stable',
  /** Fingerprint of Docker's release signing key; the bootstrap refuses any other key. */
  keyFingerprint: '9DC858229FC7DD38854AE2D88D81803C0EBFCD88',
  packages: {
    'docker-ce': '5:28.5.2-1~debian.12~bookworm',
    'docker-ce-cli': '5:28.5.2-1~debian.12~bookworm',
    'containerd.io': '1.7.29-1~debian.12~bookworm',
    'docker-compose-plugin': '2.40.3-1~debian.12~bookworm',
  },
} as const;

/** Debian packages installed by cloud-init on every server (from Debian's own archive). */
export const basePackages = [
  'apparmor',
  'ca-certificates',
  'curl',
  'fail2ban',
  'gnupg',
  'jq',
  'libpam-pwquality',
  'openssl',
  'ufw',
  'unattended-upgrades',
  'wireguard-tools',
] as const;

/** Extra packages for backups (workers and master): restic, and cron for its schedule. */
export const backupPackages = ['cron', 'restic'] as const;
