/**
 * Every rendered file, checked by the tool that will consume it: cloud-init's
 * schema, shellcheck, the compose-spec JSON Schema plus supafleet's compose rules,
 * caddy validate and wg-quick strip. Runs over the fixtures, the example fleet and
 * the hostile corpus.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { POOLER_PUBLIC_PORTS } from '../master/compose.ts';
import { renderMasterStack } from '../master/stack.ts';
import { renderMasterUserData } from '../master/user-data.ts';
import { placeholderMasterSecrets } from '../master/secrets.ts';
import { placeholderEnrollment, placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import {
  exampleSpecs,
  exampleWorkerCases,
  fixtureMasterCases,
  fixtureWorkerCases,
  hostileMasterCases,
  hostileWorkerCases,
  type MasterCase,
  type WorkerCase,
} from './cases.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { Secret } from '../../core/seal/secret.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import { decodeUserData, isShellScript } from './decode.ts';
import {
  caddyValidate,
  cloudInitSchema,
  composeRules,
  composeSchemaErrors,
  missingTools,
  shellcheck,
  unknownTopLevelKeys,
  wgQuickStrip,
} from './validators.ts';

const missing = missingTools(['cloud-init', 'shellcheck', 'caddy', 'wg-quick']);

const WG_ADDRESS = '10.100.0.2';

/** The project's Storage Box sub-account, for fleets that name their box. */
const SUBACCOUNT = {
  user: 'u123456-sub1',
  host: 'u123456.your-storagebox.de',
  password: new Secret('PLACEHOLDERoneTimePassword-Aa1-'),
};

function workerOutputs(c: WorkerCase) {
  const userData = renderWorkerUserData({
    fleet: c.fleet,
    project: c.project,
    enrollment: placeholderEnrollment(c.fleet.domain),
    ...(c.fleet.storage_box.id !== undefined ? { backup: SUBACCOUNT } : {}),
  });
  const bundle = renderWorkerBundle({
    fleet: c.fleet,
    project: c.project,
    secrets: placeholderSecrets(),
    opened: c.opened,
    revision: 3,
    wgAddress: WG_ADDRESS,
  });
  return { userData, bundle };
}

function checkWorker(c: WorkerCase): void {
  const { userData, bundle } = workerOutputs(c);
  expect(cloudInitSchema(userData.text), 'cloud-init schema').toEqual([]);
  expect(unknownTopLevelKeys(userData.text), 'top-level keys').toEqual([]);
  const decoded = decodeUserData(userData.text);
  const scripts = [
    ...decoded.files.filter((f) => isShellScript(f.content)).map((f) => [f.path, f.content] as const),
    ...decoded.inlineScripts.map((s, i) => [`runcmd[${i}]`, s] as const),
    ...[...bundle].filter(([, content]) => isShellScript(content)),
  ];
  expect(scripts.map(([p]) => p)).toEqual(
    expect.arrayContaining([
      '/usr/local/sbin/supafleet-harden',
      '/usr/local/sbin/supafleet-enroll',
      'backup/backup.sh',
      'runcmd[0]',
    ]),
  );
  for (const [path, script] of scripts) expect(shellcheck(script), `shellcheck ${path}`).toEqual([]);

  const compose = parse(bundle.get('docker-compose.yml') as string);
  expect(composeSchemaErrors(compose), 'compose-spec schema').toEqual([]);
  expect(
    composeRules(compose, {
      allowedHostIps: [WG_ADDRESS],
      noHealthcheck: ['agent'],
      loopback: ['socket-proxy'],
    }),
    'compose rules',
  ).toEqual([]);
  const agentCompose = parse(
    decoded.files.find((f) => f.path === '/etc/supafleet/agent-compose.yml')!.content,
  );
  expect(composeSchemaErrors(agentCompose), 'agent compose schema').toEqual([]);
  expect(agentCompose.services.agent).toEqual(compose.services.agent);
  expect(agentCompose.services['socket-proxy']).toEqual(compose.services['socket-proxy']);
  expect(agentCompose.volumes).toEqual({ 'storage-data': {} });
  expect(parse(bundle.get('vector/vector.yml') as string)).toBeTypeOf('object');
  for (const [path, content] of bundle)
    if (path.endsWith('.json')) expect(() => JSON.parse(content), path).not.toThrow();
}

function checkMaster(c: MasterCase): void {
  const userData = renderMasterUserData({ fleet: c.fleet });
  expect(cloudInitSchema(userData.text), 'cloud-init schema').toEqual([]);
  expect(unknownTopLevelKeys(userData.text), 'top-level keys').toEqual([]);
  const decoded = decodeUserData(userData.text);
  const scripts = [
    ...decoded.files.filter((f) => isShellScript(f.content)).map((f) => [f.path, f.content] as const),
    ...decoded.inlineScripts.map((s, i) => [`runcmd[${i}]`, s] as const),
  ];
  expect(scripts.map(([p]) => p)).toEqual(
    expect.arrayContaining([
      '/usr/local/sbin/supafleet-harden',
      '/usr/local/sbin/supafleet-master-up',
      '/usr/local/sbin/supafleet-master-backup',
      '/usr/local/sbin/supafleet-master-backup-password',
      '/usr/local/sbin/supafleet-master-restore',
      '/opt/supafleet-master/backup/backup.sh',
      'runcmd[0]',
    ]),
  );
  for (const [path, script] of scripts) expect(shellcheck(script), `shellcheck ${path}`).toEqual([]);

  const stack = renderMasterStack({ fleet: c.fleet, secrets: placeholderMasterSecrets() });
  const compose = parse(stack.get('opt/supafleet-master/docker-compose.yml') as string);
  expect(composeSchemaErrors(compose), 'compose-spec schema').toEqual([]);
  expect(
    composeRules(compose, {
      // nothing on the wg address: workers reach only the master API's agent listener (host network)
      allowedHostIps: ['127.0.0.1'],
      oneShot: ['kong-migrations'],
      noHealthcheck: ['socket-proxy'],
      // Supavisor's proxy ports, where clients connect to their project's database
      publicPorts: {
        supavisor: [`${POOLER_PUBLIC_PORTS.session}:5432`, `${POOLER_PUBLIC_PORTS.transaction}:6543`],
      },
    }),
    'compose rules',
  ).toEqual([]);

  let caddyfile = stack.get('opt/supafleet-master/caddy/Caddyfile') as string;
  // The stock Caddy here has no DNS provider modules; the wildcard image does. Validate the rest.
  caddyfile = caddyfile.replaceAll(/dns (hetzner|cloudflare) \{env\.DNS_API_TOKEN\}/g, 'issuer internal');
  expect(
    caddyValidate(caddyfile, {
      DASHBOARD_PASSWORD_HASH: '$2a$14$abcdefghijklmnopqrstuuPn0g3dZ6oTgVY1FZGcsrOqQsU4gnwW.',
    }),
  ).toEqual([]);
  expect(wgQuickStrip(stack.get('etc/wireguard/wg0.conf') as string)).toEqual([]);
  if (c.fleet.authelia.enabled) {
    expect(parse(stack.get('opt/supafleet-master/authelia/configuration.yml') as string)).toBeTypeOf(
      'object',
    );
  }
}

describe.skipIf(missing.length > 0)('rendered files pass the real validators', () => {
  let examples: WorkerCase[] = [];
  let exampleMaster: MasterCase[] = [];
  beforeAll(async () => {
    examples = await exampleWorkerCases();
    exampleMaster = [{ name: 'example fleet', fleet: resolveFleet((await exampleSpecs()).fleet) }];
  });

  it.each(fixtureWorkerCases().map((c) => [c.name, c] as const))(
    'when the worker of %s is rendered, then every validator passes',
    (_n, c) => checkWorker(c),
  );

  it('when a worker with its own Storage Box sub-account is rendered, then every validator passes, the backup key script included', () => {
    const project = resolveProject(projectSpecs.typical!);
    const c: WorkerCase = {
      name: 'fixture typical, storage_box.id',
      fleet: resolveFleet({ ...fleetSpec, storage_box: { ...fleetSpec.storage_box, id: 4711 } }),
      project,
      opened: placeholderOpened(project),
    };
    checkWorker(c);
    const paths = decodeUserData(workerOutputs(c).userData.text).files.map((f) => f.path);
    expect(paths).toContain('/usr/local/sbin/supafleet-backup-key');
  });

  it('when the example projects are rendered, then every validator passes for each worker', () => {
    expect(examples.map((c) => c.project.name).sort()).toEqual(['acme', 'blog', 'shop']);
    for (const c of examples) checkWorker(c);
  });

  it.each(hostileWorkerCases().map((c) => [c.name, c] as const))(
    'when the worker of %s is rendered, then every validator still passes',
    (_n, c) => checkWorker(c),
  );

  it.each(fixtureMasterCases().map((c) => [c.name, c] as const))(
    'when the master of %s is rendered, then every validator passes',
    (_n, c) => checkMaster(c),
  );

  it('when the example fleet master is rendered, then every validator passes', () => {
    for (const c of exampleMaster) checkMaster(c);
  });

  it.each(hostileMasterCases().map((c) => [c.name, c] as const))(
    'when the master of %s is rendered, then every validator still passes',
    (_n, c) => checkMaster(c),
  );
});
