import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { parseEnvFile } from '../shared/env-file.ts';
import { MASTER_TARGET } from '../shared/budget.ts';
import { fleetSpec } from '../test/fixtures/specs.ts';
import { allUserDataText, decodeUserData } from '../test/decode.ts';
import { renderCaddyfile } from './caddyfile.ts';
import {
  KONG_ADMIN_NETWORK,
  SECRETS_KEY_FILE,
  STUDIO_DOCKER_NETWORK,
  STUDIO_INSTANCE_MB,
  STUDIO_NETWORK,
  studioBudget,
} from './compose.ts';
import {
  MASTER_SECRET_SPECS,
  generateMasterSecrets,
  placeholderMasterSecrets,
  renderMasterEnv,
} from './secrets.ts';
import { MASTER_BACKUP_SCHEDULE, renderMasterStack } from './stack.ts';
import { renderMasterUserData } from './user-data.ts';
import { renderMasterWgConf } from './wireguard.ts';

const fleet = resolveFleet(fleetSpec);
const basic = resolveFleet({ ...fleetSpec, authelia: { enabled: false } });
const wildcard = resolveFleet({
  ...fleetSpec,
  tls: { mode: 'wildcard_dns', dns_provider: 'cloudflare', email: 'ops@example.com' },
});

function composeOf(f = fleet) {
  const stack = renderMasterStack({ fleet: f, secrets: placeholderMasterSecrets() });
  return parse(stack.get('opt/supafleet-master/docker-compose.yml')!) as {
    services: Record<string, Record<string, unknown>>;
    networks?: Record<string, unknown>;
  };
}

describe('master user_data', () => {
  it('when rendered, then it fits the 18 KiB target', () => {
    expect(renderMasterUserData({ fleet }).bytes).toBeLessThanOrEqual(MASTER_TARGET);
  });

  it('when master secrets are generated, then none of them is in user_data: the master makes its own at boot', () => {
    const secrets = generateMasterSecrets();
    const text = allUserDataText(renderMasterUserData({ fleet }).text);
    for (const v of Object.values(secrets)) expect(text.includes(v)).toBe(false);
    const specs = JSON.parse(
      decodeUserData(renderMasterUserData({ fleet }).text).files.find(
        (f) => f.path === '/etc/supafleet/secrets.json',
      )!.content,
    );
    expect(specs.map((s: [string, number, string]) => s[0])).toEqual(MASTER_SECRET_SPECS.map((s) => s.env));
  });

  it('when rendered, then the restic password is not a generated secret: it is derived from the fleet seal key', () => {
    expect(MASTER_SECRET_SPECS.map((s) => s.env)).not.toContain('RESTIC_PASSWORD');
  });

  it('when rendered, then every master carries the backup wrapper, the password script and the restore script', () => {
    const files = decodeUserData(renderMasterUserData({ fleet }).text).files;
    const sbin = files
      .filter((f) => f.path.startsWith('/usr/local/sbin/'))
      .map((f) => [f.path, f.permissions]);
    expect(sbin).toEqual(
      expect.arrayContaining([
        ['/usr/local/sbin/supafleet-master-backup', '0755'],
        ['/usr/local/sbin/supafleet-master-backup-password', '0755'],
        ['/usr/local/sbin/supafleet-master-restore', '0755'],
      ]),
    );
  });

  it('when rendered for a restore, then only master.json differs: it carries "restore": true', () => {
    const normal = decodeUserData(renderMasterUserData({ fleet }).text).files;
    const restore = decodeUserData(renderMasterUserData({ fleet, restore: true }).text).files;
    const differ = restore.filter((f, i) => f.content !== normal[i]!.content).map((f) => f.path);
    expect(differ).toEqual(['/etc/supafleet/master.json']);
    const json = (files: typeof normal) =>
      JSON.parse(files.find((f) => f.path === '/etc/supafleet/master.json')!.content);
    expect(json(restore)).toEqual({ ...json(normal), restore: true });
    expect(json(normal)).toEqual({ authelia: true, domain: 'example.com', fleet: 'prod' });
  });

  it('when rendered for a restore, then it still fits the 18 KiB target', () => {
    expect(renderMasterUserData({ fleet, restore: true }).bytes).toBeLessThanOrEqual(MASTER_TARGET);
  });

  it('when rendered, then UFW opens 22, 80, 443 and 51820/udp publicly and everything from the wg network', () => {
    const host = JSON.parse(
      decodeUserData(renderMasterUserData({ fleet }).text).files.find(
        (f) => f.path === '/etc/supafleet/host.json',
      )!.content,
    );
    expect(host.ufw).toEqual([
      { action: 'limit', port: '22', proto: 'tcp', from: 'any' },
      { action: 'allow', port: '80', proto: 'tcp', from: 'any' },
      { action: 'allow', port: '443', proto: 'tcp', from: 'any' },
      { action: 'allow', port: '51820', proto: 'udp', from: 'any' },
      { action: 'allow', port: 'any', proto: 'any', from: '10.100.0.0/24' },
    ]);
  });
});

describe('master stack', () => {
  it('when Authelia is on, then Authelia and Redis run, and Redis requires a password', () => {
    const { services } = composeOf();
    expect(services.authelia).toBeDefined();
    expect(String((services.redis!.command as string[]).join(' '))).toContain(
      '--requirepass "$$REDIS_PASSWORD"',
    );
  });

  it('when Authelia is off, then neither Authelia nor Redis runs and Studio sits behind basic auth', () => {
    const { services } = composeOf(basic);
    expect(services.authelia).toBeUndefined();
    expect(services.redis).toBeUndefined();
    expect(renderCaddyfile(basic)).toContain('basicauth {\n\t\tadmin {$DASHBOARD_PASSWORD_HASH}');
  });

  it('when rendered, then Kong 3.9 runs with Postgres after its migrations, and the same Postgres holds the registry', () => {
    const { services } = composeOf();
    expect(services.kong!.image).toMatch(/^kong:3\.9\./);
    expect(services.kong!.environment).toMatchObject({ KONG_DATABASE: 'postgres', KONG_PG_HOST: 'db' });
    expect(services.kong!.depends_on).toEqual({
      'kong-migrations': { condition: 'service_completed_successfully' },
    });
    expect(services.master!.environment).toMatchObject({
      DATABASE_URL: expect.stringContaining('@127.0.0.1:5432/supafleet'),
    });
  });

  it('when rendered, then only the two Docker API proxies hold the socket: read-only logs for Vector, containers and images at a fixed address for the master API', () => {
    const { services, networks } = composeOf();
    expect(services['socket-proxy']).toBeUndefined();
    const withSocket = Object.entries(services)
      .filter(([, s]) => JSON.stringify(s.volumes ?? []).includes('docker.sock'))
      .map(([name]) => name);
    expect(withSocket.sort()).toEqual(['docker-logs', 'docker-studio']);
    expect(services['docker-logs']!.environment).toMatchObject({ POST: '0', CONTAINERS: '1' });
    expect(services['docker-logs']!.ports).toBeUndefined();
    const onLogs = Object.entries(services)
      .filter(([, s]) => JSON.stringify(s.networks ?? []).includes('docker-logs'))
      .map(([name]) => name);
    expect(onLogs.sort()).toEqual(['docker-logs', 'vector']);
    expect(services.vector!.environment).toMatchObject({ DOCKER_HOST: 'tcp://docker-logs:2375' });
    expect(networks).toHaveProperty('docker-logs');
    // the Studio proxy: containers and images only, published on loopback, no container beside it
    expect(services['docker-studio']!.environment).toEqual({
      CONTAINERS: '1',
      EXEC: '0',
      IMAGES: '1',
      INFO: '0',
      NETWORKS: '0',
      POST: '1',
      VOLUMES: '0',
    });
    expect(services['docker-studio']!.ports).toBeUndefined();
    expect(services['docker-studio']!.networks).toEqual({
      'docker-studio': { ipv4_address: STUDIO_DOCKER_NETWORK.proxy },
    });
    const onStudio = Object.entries(services)
      .filter(([, s]) => JSON.stringify(s.networks ?? []).includes('docker-studio'))
      .map(([name]) => name);
    expect(onStudio).toEqual(['docker-studio']);
    expect(services.master!.environment).toMatchObject({
      SUPAFLEET_STUDIO_DOCKER_URL: `http://${STUDIO_DOCKER_NETWORK.proxy}:2375`,
      SUPAFLEET_STUDIO_NETWORK: STUDIO_NETWORK,
      // the address Caddy sends studio-<project> hosts to
      SUPAFLEET_STUDIO_LISTEN: '127.0.0.1:8090',
    });
    expect(renderCaddyfile(fleet)).toContain('\t\treverse_proxy 127.0.0.1:8090\n');
  });

  it('when rendered, then no Studio runs in the stack; the master starts one per project, as many at once as its memory share holds', () => {
    const { services } = composeOf();
    expect(services.studio).toBeUndefined();
    const env = services.master!.environment as Record<string, string>;
    const budget = studioBudget(fleet.master.server.type);
    expect(env.SUPAFLEET_STUDIO_MAX).toBe(String(budget.max));
    expect(env.SUPAFLEET_STUDIO_MEMORY_MB).toBe(String(STUDIO_INSTANCE_MB));
    expect(budget.max * budget.memoryMb).toBeLessThanOrEqual(Math.max(budget.shareMb, STUDIO_INSTANCE_MB));
    // more memory, more Studios at once (the catalogue's types, smallest to largest)
    expect(studioBudget('cx22').max).toBeLessThanOrEqual(studioBudget('cx42').max);
    expect(studioBudget('cx42').max).toBeGreaterThan(1);
  });

  it('when master-up.sh runs, then it makes the Studio network with inter-container traffic off, before the stack', () => {
    const script = readFileSync(new URL('./static/master-up.sh', import.meta.url), 'utf8');
    const create = script.indexOf(
      `docker network create -o com.docker.network.bridge.enable_icc=false ${STUDIO_NETWORK}`,
    );
    expect(create).toBeGreaterThan(-1);
    expect(create).toBeLessThan(script.indexOf('docker compose -p supafleet-master'));
  });

  it('when rendered, then Kong Admin listens only on its own network, which only Kong joins, and the master API calls it there', () => {
    const { services } = composeOf();
    const kong = services.kong!;
    expect(kong.environment).toMatchObject({ KONG_ADMIN_LISTEN: `${KONG_ADMIN_NETWORK.kong}:8001` });
    expect(kong.ports).toEqual(['127.0.0.1:8000:8000']);
    const onAdmin = Object.entries(services)
      .filter(([, s]) => JSON.stringify(s.networks ?? []).includes('kong-admin'))
      .map(([name]) => name);
    expect(onAdmin).toEqual(['kong']);
    expect(services.master!.environment).toMatchObject({
      KONG_ADMIN_URL: `http://${KONG_ADMIN_NETWORK.kong}:8001`,
    });
  });

  it('when rendered, then the master API reads its encryption key from a file and /etc/supafleet read-only', () => {
    const master = composeOf().services.master!;
    const env = master.environment as Record<string, string>;
    expect(env.SUPAFLEET_SECRETS_KEY).toBeUndefined();
    expect(env.SUPAFLEET_SECRETS_KEY_FILE).toBe(SECRETS_KEY_FILE);
    expect(master.volumes).toEqual([
      '/etc/supafleet:/etc/supafleet:ro',
      '/etc/wireguard/supafleet:/etc/wireguard/supafleet',
      `./secrets/secrets-key:${SECRETS_KEY_FILE}:ro`,
    ]);
  });

  it('when TLS is on demand, then Caddy asks the master API on loopback and the ask path is not public', () => {
    const caddyfile = renderCaddyfile(fleet);
    expect(caddyfile).toContain('on_demand_tls {\n\t\task http://127.0.0.1:8080/v1/tls/ask');
    expect(caddyfile).toContain('handle /v1/tls/ask {\n\t\trespond 404');
    expect(caddyfile).toContain('Strict-Transport-Security "max-age=31536000; includeSubDomains"');
    expect(caddyfile).toContain('-Server');
    expect(caddyfile).toMatch(
      /\*\.admin\.example\.com \{\n\ttls \{\n\t\ton_demand\n\t\}\n\timport security\n/,
    );
  });

  it('when TLS is wildcard_dns, then one *.domain site gets its certificate through the DNS provider', () => {
    const caddyfile = renderCaddyfile(wildcard);
    expect(caddyfile).toContain('*.example.com {\n\ttls {\n\t\tdns cloudflare {env.DNS_API_TOKEN}');
    expect(caddyfile).not.toContain('on_demand');
    expect(composeOf(wildcard).services.caddy!.image).toMatch(/caddy-dns/);
  });

  it("when wg0.conf is rendered, then it has the hub address and port, loads its key and saved peers from files, drops what arrives for any address but its own, drops worker-to-worker traffic, and keeps Kong Admin to the master API's uid", () => {
    expect(renderMasterWgConf(fleet)).toBe(
      [
        '[Interface]',
        'Address = 10.100.0.1/24',
        'ListenPort = 51820',
        'PostUp = wg set %i private-key /etc/wireguard/wg0.key',
        'PostUp = test ! -s /etc/wireguard/supafleet/peers.conf || wg addconf %i /etc/wireguard/supafleet/peers.conf',
        'PostUp = iptables -w -t raw -I PREROUTING -i %i ! -d 10.100.0.1/32 -j DROP',
        'PostDown = iptables -w -t raw -D PREROUTING -i %i ! -d 10.100.0.1/32 -j DROP',
        'PostUp = iptables -I FORWARD -i %i -o %i -j DROP',
        'PostDown = iptables -D FORWARD -i %i -o %i -j DROP',
        'PostUp = iptables -w -I OUTPUT -d 172.31.255.2/32 -p tcp --dport 8001 -m owner ! --uid-owner 1000 -j REJECT --reject-with tcp-reset',
        'PostDown = iptables -w -D OUTPUT -d 172.31.255.2/32 -p tcp --dport 8001 -m owner ! --uid-owner 1000 -j REJECT --reject-with tcp-reset',
        'PostUp = iptables -w -I OUTPUT -d 172.31.254.2/32 -p tcp --dport 2375 -m owner ! --uid-owner 1000 -j REJECT --reject-with tcp-reset',
        'PostDown = iptables -w -D OUTPUT -d 172.31.254.2/32 -p tcp --dport 2375 -m owner ! --uid-owner 1000 -j REJECT --reject-with tcp-reset',
        '',
      ].join('\n'),
    );
  });

  it('when rendered, then the master backs up its registry, Kong, WireGuard, Caddy and Authelia one hour after the workers', () => {
    const stack = renderMasterStack({ fleet, secrets: placeholderMasterSecrets() });
    const backup = JSON.parse(stack.get('opt/supafleet-master/backup/backup.json')!);
    expect(backup.dumps.map((d: { name: string }) => d.name)).toEqual(['registry', 'kong']);
    expect(backup.paths).toEqual(expect.arrayContaining(['/etc/wireguard', 'caddy', 'authelia']));
    expect(MASTER_BACKUP_SCHEDULE).toBe('0 4 * * *');
    expect(stack.get('opt/supafleet-master/backup/crontab')).toContain(
      '0 4 * * * root /usr/local/sbin/supafleet-master-backup >>',
    );
  });

  it('when rendered, then the backup names the database and owner of each dump as init.sql creates them, and keeps the admin login', () => {
    const stack = renderMasterStack({ fleet, secrets: placeholderMasterSecrets() });
    const backup = JSON.parse(stack.get('opt/supafleet-master/backup/backup.json')!);
    expect(backup.dumps.map((d: { database: string; owner: string }) => [d.database, d.owner])).toEqual([
      ['supafleet', 'supafleet'],
      ['kong', 'kong'],
    ]);
    const init = stack.get('opt/supafleet-master/db/init.sql')!;
    expect(init).toContain('CREATE DATABASE supafleet OWNER supafleet;');
    expect(init).toContain('CREATE DATABASE kong OWNER kong;');
    expect(backup.paths).toEqual(
      expect.arrayContaining(['/root/supafleet-admin-password', '.env', '/etc/wireguard', '/etc/supafleet']),
    );
  });

  it('when rendered, then the backup lists every file user_data renders under a backed-up path, which a restore keeps from the new render', () => {
    const written = decodeUserData(renderMasterUserData({ fleet, restore: true }).text).files;
    const files = written.map((f) => f.path);
    const backup = JSON.parse(
      written.find((f) => f.path === '/opt/supafleet-master/backup/backup.json')!.content,
    );
    const under = (path: string) =>
      (backup.paths as string[]).some((p) => {
        const abs = p.startsWith('/') ? p : `/opt/supafleet-master/${p}`;
        return path === abs || path.startsWith(`${abs}/`);
      });
    const absolute = (backup.rendered as string[]).map((p) =>
      p.startsWith('/') ? p : `/opt/supafleet-master/${p}`,
    );
    expect(absolute.sort()).toEqual(files.filter(under).sort());
    expect(absolute).toEqual(
      expect.arrayContaining([
        '/etc/supafleet/fleet.yaml',
        '/etc/supafleet/images.json',
        '/opt/supafleet-master/docker-compose.yml',
      ]),
    );
    expect(absolute).not.toContain('/opt/supafleet-master/.env');
  });

  it.each(['master/Dockerfile', 'master/README.md'])(
    'when %s shows how to run the image, then it mounts the host paths the rendered compose mounts and points the API at the peers file',
    (doc) => {
      const master = composeOf().services.master!;
      const volumes = (master.volumes as string[]).filter((v) => v.startsWith('/'));
      const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
      const run = /docker run --network host --cap-add NET_ADMIN(?:[^\n]*\\\n)*[^\n]*/.exec(text)![0];
      expect([...run.matchAll(/-v (\S+)/g)].map((m) => m[1]).sort()).toEqual(volumes.sort());
      expect(run).toContain(
        `-e SUPAFLEET_WG_CONFIG=${(master.environment as Record<string, string>).SUPAFLEET_WG_CONFIG}`,
      );
      expect(run).not.toMatch(/-v \/etc\/wireguard:/);
    },
  );

  it('when the master env is rendered, then every secret has its own variable', () => {
    const secrets = generateMasterSecrets();
    const env = parseEnvFile(renderMasterEnv(secrets));
    expect(Object.keys(env)).toHaveLength(MASTER_SECRET_SPECS.length);
    expect(new Set(Object.values(env)).size).toBe(MASTER_SECRET_SPECS.length);
  });

  it('when rendered twice, then the bytes are identical', () => {
    expect(renderMasterUserData({ fleet }).text).toBe(renderMasterUserData({ fleet }).text);
  });
});
