/**
 * `supafleet init`: reads what exists, plans, shows the plan, applies only its changes, then
 * checks the tokens, the Storage Box, the master and DNS. Every external call goes through
 * `deps`; every wait is bounded and shows progress.
 */
import { join } from 'node:path';
import { parse } from 'yaml';
import { fleetIssues } from '../../core/spec/check-fleet.ts';
import { toPointer } from '../../core/spec/errors.ts';
import { schemaIssues } from '../../core/spec/schema-check.ts';
import { formatSelector } from '../../core/hetzner/label-selector.ts';
import { tokenScopeProblems, type TokenScope } from '../../core/hetzner/token-scope.ts';
import { masterLabels } from '../../core/naming/labels.ts';
import { publicKeyOf } from '../../core/seal/seal.ts';
import { Secret } from '../../core/seal/secret.ts';
import { renderFleetFile, type FleetAnswers } from './fleet-file.ts';
import {
  changes,
  DEPLOY_BRANCH,
  ENVIRONMENT,
  MASTER_WORKFLOW,
  planInit,
  renderPlan,
  type InitCurrent,
  type InitStep,
} from './plan.ts';
import { BOX_SSH_PORT, describeProbe, installKeyCommand, type BoxProbe } from './box-probe.ts';
import { keyCommand } from './keys.ts';
import type { InitDeps, MasterKeyFile } from './ports.ts';
import type { InitSettings } from './settings.ts';

export const FLEET_FILE = 'fleet.yaml';
export const SEAL_KEY_FILE = 'fleet-seal.key';
export const BACKUP_KEY_FILE = 'backup.key';

/** A DNS record the operator creates. */
export interface DnsRecord {
  readonly name: string;
  readonly type: 'A';
  readonly value: string;
}

/** What init did, for `--json` and the summary. */
export interface InitReport {
  readonly ok: boolean;
  readonly plan: readonly InitStep[];
  /** Ids of the steps carried out. */
  readonly changed: readonly string[];
  readonly tokens: { readonly HCLOUD_TOKEN?: TokenScope; readonly HCLOUD_TOKEN_READONLY?: TokenScope };
  readonly storageBox?: {
    readonly id: number;
    /** The main account and host the box names (as fleet.yaml's `storage_box.user` and `.host`). */
    readonly user: string;
    readonly host: string;
    /** SSH (SFTP on port 23) after this run. */
    readonly sshEnabled: boolean;
    /** Reachable from outside Hetzner's network. */
    readonly reachableExternally: boolean;
    readonly subaccounts: number;
    /** What the SFTP check with the master's key found (`ok`, `key-not-installed`, `unreachable`, `failed`). */
    readonly probe: BoxProbe['status'];
  };
  readonly master?: {
    readonly name: string;
    readonly ipv4: string;
    readonly url: string;
    readonly healthy: boolean;
  };
  readonly dns: { readonly records: readonly DnsRecord[]; readonly resolved: boolean };
  /** Where this run kept the seal private key, outside the repository. */
  readonly sealKeyFile?: string;
  /** Commands left for the operator, exactly. */
  readonly next: readonly string[];
  /** Only with --print-private-key. */
  readonly sealPrivateKey?: string;
  readonly problems: readonly string[];
  /** Things to fix that do not stop init. */
  readonly warnings: readonly string[];
}

export async function runInit(s: InitSettings, deps: InitDeps): Promise<InitReport> {
  const fleetPath = join(s.root, FLEET_FILE);
  const keyPath = join(s.keyDir, SEAL_KEY_FILE);
  const backupPath = s.backupKeyFile ?? join(s.keyDir, BACKUP_KEY_FILE);
  if (s.backupKeyFile !== undefined && deps.readFile(s.backupKeyFile) === undefined)
    throw new Error(
      `--backup-key ${s.backupKeyFile} cannot be read; expected the Storage Box main account's private SSH key`,
    );
  const newBackupKey = deps.readFile(backupPath) === undefined;
  const problems: string[] = [];
  const next: string[] = [];
  const warnings: string[] = [];
  const warn = (line: string): void => {
    warnings.push(line);
    deps.say(`warning: ${line}`);
  };

  // ---- current state ----
  deps.progress('reading the repository, its secrets, variables and environment…');
  const fleetFile = deps.readFile(fleetPath);
  const repo = await deps.github.getRepository();
  const environment = await deps.github.getEnvironment(ENVIRONMENT);
  let current: InitCurrent = {
    ...(fleetFile !== undefined ? { fleetFile } : {}),
    ...(await optional('mainFleetSha', deps.github.fileSha(FLEET_FILE, DEPLOY_BRANCH))),
    repoSecrets: await deps.github.listSecretNames(),
    ...(environment ? { environment } : {}),
    envSecrets: environment ? await deps.github.listSecretNames(ENVIRONMENT) : [],
    variables: await deps.github.listVariables(),
    ...(await findMaster(s, deps)),
  };
  const box = await readStorageBox(s, deps);
  if ('problem' in box) problems.push(box.problem);
  else if (box.box) current = { ...current, storageBox: { id: box.box.id, sshEnabled: box.box.sshEnabled } };
  const reviewers =
    s.reviewers.length === 0
      ? undefined
      : await Promise.all(
          s.reviewers.map(async (login) => ({ type: 'User' as const, id: await deps.github.userId(login) })),
        );

  // ---- desired state ----
  const newSealKey = s.fleet.sealPublicKey === undefined;
  // A key this machine kept from an earlier run (whose fleet.yaml was never written) is used, not replaced.
  const earlier = newSealKey ? savedKey(deps, keyPath) : undefined;
  const keypair = !newSealKey
    ? undefined
    : earlier
      ? { publicKey: await publicKeyOf(earlier), privateKey: earlier, kept: true }
      : { ...(await deps.generateSealKeypair()), kept: false };
  const answers: FleetAnswers = {
    ...s.fleet,
    repository: repo.fullName,
    repositoryId: repo.id,
    ownerId: repo.ownerId,
    sealPublicKey: keypair?.publicKey ?? s.fleet.sealPublicKey!,
  };
  const desiredFleet = renderFleetFile(fleetFile, answers);
  const invalid = fleetProblems(desiredFleet);
  if (invalid.length > 0) {
    problems.push(...invalid.map((p) => `fleet.yaml would be invalid: ${p}`));
    return {
      ok: false,
      plan: [],
      changed: [],
      tokens: {},
      dns: { records: [], resolved: false },
      next,
      problems,
      warnings,
    };
  }
  const steps = planInit(
    {
      fleetFile: desiredFleet,
      newSealKey,
      newBackupKey,
      repoSecrets: ['HCLOUD_TOKEN_READONLY'],
      envSecrets: ['HCLOUD_TOKEN'],
      ...(reviewers ? { reviewers } : {}),
      variables: { SUPAFLEET_MASTER_URL: s.masterUrl },
    },
    current,
  );
  deps.progress('');
  deps.say(`supafleet init: ${repo.fullName} (id ${repo.id}, owner id ${repo.ownerId})`);
  deps.say(renderPlan(steps).trimEnd());
  const todo = changes(steps);
  if (current.repoSecrets.includes('HCLOUD_TOKEN'))
    warn(
      'HCLOUD_TOKEN is also a repository secret, which a workflow on any branch can read: delete it (Settings → Secrets and variables → Actions) and roll the token in Hetzner; the production environment holds it',
    );
  const want = (id: string): boolean => todo.some((t) => t.id === id);

  // ---- token scopes: checked before a token is stored (or when asked) ----
  const tokens: { HCLOUD_TOKEN?: TokenScope; HCLOUD_TOKEN_READONLY?: TokenScope } = {};
  if (s.checkTokens || want('env-secret:HCLOUD_TOKEN')) {
    if (!s.tokens.hcloud) problems.push('HCLOUD_TOKEN is not set: export the Read & Write Hetzner token');
    else {
      deps.progress('checking HCLOUD_TOKEN (a throwaway SSH key is created and deleted)…');
      tokens.HCLOUD_TOKEN = await deps.probeScope('readWrite');
    }
  }
  if (s.checkTokens || want('secret:HCLOUD_TOKEN_READONLY')) {
    if (!s.tokens.hcloudReadOnly)
      problems.push('HCLOUD_TOKEN_READONLY is not set: export the Read Hetzner token');
    else {
      deps.progress('checking HCLOUD_TOKEN_READONLY…');
      tokens.HCLOUD_TOKEN_READONLY = await deps.probeScope('readOnly');
    }
  }
  deps.progress('');
  problems.push(
    ...tokenScopeProblems({ readWrite: tokens.HCLOUD_TOKEN, readOnly: tokens.HCLOUD_TOKEN_READONLY }),
  );
  for (const [name, scope] of Object.entries(tokens)) deps.say(`${name}: ${scope.replace('_', ' & ')}`);
  const report = (extra: Partial<InitReport>): InitReport => ({
    ok: problems.length === 0,
    plan: steps,
    changed: [],
    tokens,
    dns: { records: dnsRecords(s, current.master?.ipv4), resolved: false },
    next,
    problems,
    warnings,
    ...extra,
  });
  if (problems.length > 0) return report({});
  if (s.planOnly) return report({});
  if (todo.length > 0 && deps.confirm && !(await deps.confirm(`Make these ${todo.length} change(s)?`))) {
    problems.push('stopped: the changes were not confirmed');
    return report({});
  }

  // ---- apply, in dependency order ----
  const changed: string[] = [];
  const done = (id: string, line: string): void => {
    changed.push(id);
    deps.say(`done: ${line}`);
  };
  let sealKeyFile: string | undefined;
  if (keypair?.kept) done('seal-key', `seal key from ${keyPath} (made by an earlier run) put in fleet.yaml`);
  else if (keypair) {
    deps.writeFile(keyPath, `${keypair.privateKey.reveal()}\n`, 0o600);
    sealKeyFile = keyPath;
    done(
      'seal-key',
      `seal keypair made; the private key is in ${keyPath} (mode 0600): keep a copy in your password manager`,
    );
  }
  if (want('backup-key')) {
    await deps.makeSshKey(backupPath, `supafleet-${s.fleet.name}-master`);
    done('backup-key', `Storage Box key made: ${backupPath} (and .pub)`);
  }
  if (want('fleet-file')) {
    deps.writeFile(fleetPath, desiredFleet);
    done('fleet-file', `${fleetPath} written`);
  }
  if (want('fleet-file-main')) {
    await act(
      `committing fleet.yaml to ${DEPLOY_BRANCH} (with branch protection on, merge it through a pull request, then run init again)`,
      () =>
        deps.github.commitFiles(DEPLOY_BRANCH, { [FLEET_FILE]: desiredFleet }, 'supafleet init: fleet.yaml'),
    );
    done('fleet-file-main', `fleet.yaml committed to ${DEPLOY_BRANCH} (run git pull)`);
  }
  if (want('environment')) {
    await act(`setting up environment ${ENVIRONMENT}`, () =>
      deps.github.putEnvironment(ENVIRONMENT, {
        reviewers: reviewers ?? environment?.reviewers ?? [],
        preventSelfReview: true,
      }),
    );
    done(
      'environment',
      `environment ${ENVIRONMENT}: selected branches only, prevent self-review, reviewers set`,
    );
  }
  if (want('branch-policy')) {
    await act(`adding the branch rule ${DEPLOY_BRANCH} to environment ${ENVIRONMENT}`, () =>
      deps.github.addBranchPolicy(ENVIRONMENT, DEPLOY_BRANCH),
    );
    done('branch-policy', `environment ${ENVIRONMENT}: only ${DEPLOY_BRANCH} may deploy`);
  }
  if ((reviewers ?? environment?.reviewers ?? []).length === 0)
    warn(`environment ${ENVIRONMENT} has no required reviewers; add some with --reviewer <login>`);
  if (want('env-secret:HCLOUD_TOKEN')) {
    await act(`storing HCLOUD_TOKEN in environment ${ENVIRONMENT}`, () =>
      deps.github.putSecret('HCLOUD_TOKEN', s.tokens.hcloud!, ENVIRONMENT),
    );
    done('env-secret:HCLOUD_TOKEN', `HCLOUD_TOKEN stored in environment ${ENVIRONMENT}`);
  }
  if (want('secret:HCLOUD_TOKEN_READONLY')) {
    await act('storing the repository secret HCLOUD_TOKEN_READONLY', () =>
      deps.github.putSecret('HCLOUD_TOKEN_READONLY', s.tokens.hcloudReadOnly!),
    );
    done('secret:HCLOUD_TOKEN_READONLY', 'HCLOUD_TOKEN_READONLY stored as a repository secret');
  }
  for (const step of todo.filter((t) => t.id.startsWith('variable:'))) {
    const name = step.id.slice('variable:'.length);
    await act(`setting the repository variable ${name}`, () =>
      deps.github.setVariable(name, s.masterUrl, step.action === 'update'),
    );
    done(step.id, `${name} = ${s.masterUrl}`);
  }

  // ---- the Storage Box: SSH on, and it answers ----
  let storageBox: InitReport['storageBox'];
  if (!('problem' in box) && box.box && deps.storageBox) {
    const id = box.box.id;
    if (want('storage-box-ssh')) {
      deps.progress(`turning on SSH access to Storage Box ${id}…`);
      await act(`turning on SSH access to Storage Box ${id}`, () =>
        deps.storageBox!.updateAccessSettings(id, { ssh_enabled: true }),
      );
      deps.progress('');
      done('storage-box-ssh', `Storage Box ${id}: SSH access on (SFTP on port 23)`);
    }
    deps.progress(`asking Storage Box ${id} for its sub-accounts…`);
    const subs = await deps.storageBox.listSubaccounts(id);
    deps.progress('');
    deps.say(`Storage Box ${id} (${box.box.user}@${box.box.host}): SSH on, ${subs.length} sub-account(s)`);
    const target = { host: box.box.host, user: box.box.user, port: BOX_SSH_PORT };
    deps.progress(`connecting to ${target.user}@${target.host}:${target.port} over SFTP with ${backupPath}…`);
    const probe = await deps.probeStorageBox(target, backupPath);
    deps.progress('');
    const line = describeProbe(probe, target, backupPath, box.box.reachableExternally);
    if (probe.status === 'ok' || probe.status === 'key-not-installed') deps.say(line);
    else warn(line);
    storageBox = {
      id,
      user: box.box.user,
      host: box.box.host,
      sshEnabled: true,
      reachableExternally: box.box.reachableExternally,
      subaccounts: subs.length,
      probe: probe.status,
    };
  }
  // The one command left for the box: when it refuses the key, or when the key is new and the box was not asked.
  if (
    storageBox
      ? storageBox.probe === 'key-not-installed' || (storageBox.probe !== 'ok' && want('backup-key'))
      : want('backup-key')
  )
    next.push(installKeyCommand(backupPath, s.fleet.storageBox));

  // ---- the master ----
  if (want('master')) {
    await act(
      `running the ${MASTER_WORKFLOW} workflow on ${DEPLOY_BRANCH} (Actions must be allowed in the fork)`,
      () => deps.github.dispatchWorkflow(MASTER_WORKFLOW, DEPLOY_BRANCH, { mode: 'create' }),
    );
    done(
      'master',
      `${MASTER_WORKFLOW} dispatched on ${DEPLOY_BRANCH}; approve the run in GitHub if the environment asks`,
    );
  }
  if (s.skipMaster)
    return report({
      changed,
      ...(sealKeyFile ? { sealKeyFile } : {}),
      ...(storageBox ? { storageBox } : {}),
    });
  const deadline = deps.now() + s.waitMinutes * 60_000;
  const master =
    current.master ??
    (await waitFor(deps, deadline, 'the master server to appear in Hetzner', () =>
      findMaster(s, deps).then((m) => m.master),
    ));
  const records = dnsRecords(s, master?.ipv4);
  const extra = (healthy: boolean, resolved: boolean): Partial<InitReport> => ({
    changed,
    ...(sealKeyFile ? { sealKeyFile } : {}),
    ...(storageBox ? { storageBox } : {}),
    ...(master ? { master: { ...master, url: s.masterUrl, healthy } } : {}),
    dns: { records, resolved },
    ...(s.printPrivateKey && keypair ? { sealPrivateKey: keypair.privateKey.reveal() } : {}),
  });
  if (!master) {
    problems.push(
      `no master server appeared within ${s.waitMinutes} minute(s): see the ${MASTER_WORKFLOW} run in GitHub Actions`,
    );
    return report(extra(false, false));
  }
  deps.say(`master ${master.name} at ${master.ipv4}. Create these DNS records (TTL 300 is fine):`);
  for (const r of records) deps.say(`  ${r.name}  ${r.type}  ${r.value}`);

  const checks = dnsChecks(s);
  const resolved = await waitFor(
    deps,
    deadline,
    `DNS (${checks.join(', ')}) to resolve to ${master.ipv4}`,
    async () => {
      for (const host of checks) if (!(await deps.resolve(host)).includes(master.ipv4)) return undefined;
      return true;
    },
  );
  if (!resolved) {
    problems.push(
      `DNS did not resolve to ${master.ipv4} within ${s.waitMinutes} minute(s): create the records above, then run supafleet init again`,
    );
    return report(extra(false, false));
  }
  deps.say('DNS resolves');

  let healthy = await deps.masterHealthy(s.masterUrl);
  if (!healthy) {
    const key = keypair?.privateKey ?? savedKey(deps, keyPath);
    const files: MasterKeyFile[] = key ? [{ name: 'fleet-seal.key', content: key }] : [];
    const backup = deps.readFile(backupPath);
    if (backup !== undefined) files.push({ name: 'backup.key', content: new Secret(backup.trim()) });
    const target = { host: master.ipv4, user: s.fleet.sshUser };
    if (files.length > 0 && deps.installKeys) {
      deps.progress(`installing ${files.map((f) => f.name).join(' and ')} on the master over SSH…`);
      await deps.installKeys(target, files);
      deps.progress('');
      deps.say(`installed ${files.map((f) => `/etc/supafleet/${f.name}`).join(' and ')} on the master`);
    }
    for (const name of ['fleet-seal.key', 'backup.key'] as const)
      if (!files.some((f) => f.name === name))
        next.push(keyCommand(target, name, name === 'fleet-seal.key' ? keyPath : backupPath));
    healthy =
      (await waitFor(deps, deadline, `${s.masterUrl}/healthz to answer`, async () =>
        (await deps.masterHealthy(s.masterUrl)) ? true : undefined,
      )) === true;
  }
  if (!healthy) problems.push(`${s.masterUrl}/healthz did not answer within ${s.waitMinutes} minute(s)`);
  else deps.say(`${s.masterUrl}/healthz answers: the master is up`);
  return report(extra(healthy, true));
}

/** Runs one change; a failure says which change and keeps the lower error as its cause. */
async function act(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    throw new Error(`${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Schema and rule problems of a fleet.yaml text, as `/path: message`. */
export function fleetProblems(text: string): string[] {
  const value: unknown = parse(text);
  return [...schemaIssues('fleet', value), ...fleetIssues(value)].map(
    (i) => `${toPointer(i.path)}: ${i.message}`,
  );
}

/** The records for the master: the API, every project host, and the admin zone when it is not under `*.<domain>`. */
export function dnsRecords(s: Pick<InitSettings, 'fleet'>, ipv4: string | undefined): DnsRecord[] {
  if (ipv4 === undefined) return [];
  const d = s.fleet.domain;
  const names = [`fleet.${d}`, `*.${d}`];
  const admin = s.fleet.adminDomain;
  if (admin !== undefined && admin !== `admin.${d}`) names.push(`*.${admin}`);
  return names.map((name) => ({ name, type: 'A', value: ipv4 }));
}

/** Names whose answers prove the records: the API host and a host under each wildcard. */
function dnsChecks(s: Pick<InitSettings, 'fleet'>): string[] {
  const d = s.fleet.domain;
  const admin = s.fleet.adminDomain ?? `admin.${d}`;
  return [`fleet.${d}`, `studio.${admin}`];
}

/** The box as init needs it, or the one problem that stops init. */
type BoxRead =
  | { readonly problem: string }
  | {
      readonly box?: {
        readonly id: number;
        readonly user: string;
        readonly host: string;
        readonly sshEnabled: boolean;
        readonly reachableExternally: boolean;
      };
    };

/**
 * Reads the box fleet.yaml names by `storage_box.id` and checks that it is the box
 * `storage_box.host` and `.user` name. Nothing to read without HCLOUD_TOKEN.
 */
async function readStorageBox(s: InitSettings, deps: InitDeps): Promise<BoxRead> {
  const { id, host, user } = s.fleet.storageBox;
  if (!deps.storageBox) return {};
  deps.progress(`reading Storage Box ${id}…`);
  let found: Awaited<ReturnType<NonNullable<InitDeps['storageBox']>['getStorageBox']>>;
  try {
    found = await deps.storageBox.getStorageBox(id);
  } catch (error) {
    return {
      problem: `Storage Box ${id} does not answer with HCLOUD_TOKEN (${(error as Error).message}): check storage_box.id and that the box is in this token's Hetzner project`,
    };
  } finally {
    deps.progress('');
  }
  if (!found)
    return {
      problem: `storage_box.id ${id}: no Storage Box has this id in HCLOUD_TOKEN's Hetzner project; expected the id shown in the Hetzner Console under Storage Boxes`,
    };
  if (found.server === null || found.username === null)
    return {
      problem: `Storage Box ${id} is not set up yet (status ${found.status}, no host or user): run init again once Hetzner shows it active`,
    };
  const mismatch = [
    ...(found.server !== host
      ? [`storage_box.host is ${host} but Storage Box ${id} is at ${found.server}`]
      : []),
    ...(found.username !== user
      ? [`storage_box.user is ${user} but Storage Box ${id}'s main account is ${found.username}`]
      : []),
  ];
  if (mismatch.length > 0)
    return {
      problem: `${mismatch.join('; ')}: fix fleet.yaml (or --storage-box-host/--storage-box-user) or storage_box.id`,
    };
  return {
    box: {
      id,
      user,
      host,
      sshEnabled: found.access_settings.ssh_enabled,
      reachableExternally: found.access_settings.reachable_externally,
    },
  };
}

function savedKey(deps: InitDeps, path: string): Secret | undefined {
  const text = deps.readFile(path)?.trim();
  return text ? new Secret(text) : undefined;
}

async function findMaster(
  s: InitSettings,
  deps: InitDeps,
): Promise<{ master?: { name: string; ipv4: string } }> {
  if (!deps.hetzner) return {};
  const servers = await deps.hetzner.listServers({
    labelSelector: formatSelector(masterLabels(s.fleet.name)),
  });
  const server = servers[0];
  const ipv4 = server?.public_net.ipv4?.ip;
  return server && ipv4 ? { master: { name: server.name, ipv4 } } : {};
}

async function optional<K extends string>(
  key: K,
  value: Promise<string | undefined>,
): Promise<Partial<Record<K, string>>> {
  const v = await value;
  return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
}

/** Polls `check` until it gives a value or the deadline passes (then undefined), with a progress line. */
async function waitFor<T>(
  deps: InitDeps,
  deadline: number,
  what: string,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const start = deps.now();
  for (let i = 0; i < 10_000; i++) {
    const value = await check();
    if (value !== undefined) {
      deps.progress('');
      return value;
    }
    if (deps.now() >= deadline) break;
    deps.progress(`waiting for ${what} (${Math.round((deps.now() - start) / 1000)} s)…`);
    await deps.sleep(POLL_MS);
  }
  deps.progress('');
  return undefined;
}

/** Time between two polls of a wait. */
export const POLL_MS = 5000;
