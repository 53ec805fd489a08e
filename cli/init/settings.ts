/**
 * The settings of one `supafleet init` run, parsed once: each value from its flag, else from
 * fleet.yaml, else asked on a terminal (with the default shown), else its default; a value with
 * no default and no answer is an error naming its flag. Tokens come from the environment only
 * (never a flag: a command line is visible to every process on the machine).
 */
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { catalogue, locationNames, serverTypeNames } from '../../core/catalogue/catalogue.ts';
import type { RepoRef } from '../../core/github/types.ts';
import { Secret } from '../../core/seal/secret.ts';
import { UsageError } from '../io.ts';

/** The flags of `supafleet init`, as commander gives them. */
export interface InitFlags {
  readonly root: string;
  readonly repo?: string;
  readonly name?: string;
  readonly domain?: string;
  readonly adminDomain?: string;
  readonly location?: string;
  readonly masterType?: string;
  readonly network?: string;
  readonly tls?: string;
  readonly storageBoxHost?: string;
  readonly storageBoxUser?: string;
  readonly storageBoxId?: string;
  readonly sshUser?: string;
  readonly sshKey?: readonly string[];
  readonly reviewer?: readonly string[];
  readonly masterUrl?: string;
  readonly keyDir?: string;
  readonly backupKey?: string;
  readonly waitMinutes?: string;
  readonly plan?: boolean;
  readonly checkTokens?: boolean;
  readonly skipMaster?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly printPrivateKey?: boolean;
}

export interface InitSettings {
  readonly root: string;
  readonly repo: RepoRef;
  readonly fleet: {
    readonly name: string;
    readonly domain: string;
    readonly adminDomain?: string;
    readonly masterType: string;
    readonly location: string;
    readonly cidr: string;
    readonly storageBox: { readonly host: string; readonly user: string; readonly id: number };
    /** Present when fleet.yaml already names one: kept, never replaced. */
    readonly sealPublicKey?: string;
    readonly tlsMode: 'on_demand' | 'wildcard_dns';
    readonly sshUser: string;
    readonly sshKeys: readonly string[];
  };
  readonly reviewers: readonly string[];
  readonly masterUrl: string;
  /** Where the seal private key is kept on this machine; never inside the repository. */
  readonly keyDir: string;
  readonly backupKeyFile?: string;
  readonly tokens: { readonly github: Secret; readonly hcloud?: Secret; readonly hcloudReadOnly?: Secret };
  readonly endpoints: { readonly github?: string; readonly hcloud?: string; readonly hetzner?: string };
  readonly waitMinutes: number;
  readonly planOnly: boolean;
  readonly checkTokens: boolean;
  readonly skipMaster: boolean;
  readonly printPrivateKey: boolean;
}

/** Asks one question on the terminal; resolves to the answer, or the default when it is empty. */
export type Ask = (question: string, fallback?: string) => Promise<string>;

type Env = Readonly<Record<string, string | undefined>>;

export async function resolveSettings(
  flags: InitFlags,
  env: Env,
  cwd: string,
  fleetText: string | undefined,
  readText: (path: string) => string | undefined,
  ask?: Ask,
): Promise<InitSettings> {
  const root = resolve(cwd, flags.root);
  const file = (fleetText !== undefined ? parse(fleetText) : {}) as Record<string, unknown> | null;
  const have = (...path: string[]): unknown =>
    path.reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      file,
    );
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

  /** flag → fleet.yaml → prompt (default shown) → default → error naming the flag. */
  const value = async (
    flag: string,
    given: string | undefined,
    existing: unknown,
    question: string,
    fallback?: string,
  ): Promise<string> => {
    const known = given ?? str(existing) ?? (typeof existing === 'number' ? String(existing) : undefined);
    if (known !== undefined) return known;
    if (ask) {
      const answer = (await ask(question, fallback)).trim();
      if (answer !== '') return answer;
    }
    if (fallback !== undefined) return fallback;
    throw new UsageError(`${flag} is required: ${question.replace(/\?$/, '')}`);
  };

  const githubToken = env.GITHUB_TOKEN ?? env.GH_TOKEN ?? '';
  if (githubToken === '')
    throw new UsageError(
      'GITHUB_TOKEN is not set: export a token for the fleet repository with the Administration, Secrets, Variables, Environments, Contents and Actions (write) permissions',
    );

  const repoText = await value(
    '--repo',
    flags.repo,
    have('github', 'repository') ?? env.GITHUB_REPOSITORY,
    'GitHub repository of the fleet (owner/name)?',
  );
  const [owner, repo, ...extra] = repoText.split('/');
  if (!owner || !repo || extra.length > 0)
    throw new UsageError(`--repo "${repoText}" is not owner/name; expected e.g. acme-corp/fleet`);

  const name = await value('--name', flags.name, have('name'), 'Fleet name (labels every server)?', 'prod');
  const domain = await value(
    '--domain',
    flags.domain,
    have('domain'),
    'Domain (projects are served at <project>.<domain>)?',
  );
  const adminDomain = flags.adminDomain ?? str(have('admin_domain'));
  const location = await value(
    '--location',
    flags.location,
    have('master', 'server', 'location'),
    `Location of the master (${locationList()})?`,
    'fsn1',
  );
  if (!Object.hasOwn(catalogue.locations, location))
    throw new UsageError(
      `--location "${location}" is not a Hetzner location supafleet knows; expected one of ${locationNames().join(', ')}`,
    );
  const masterType = await value(
    '--master-type',
    flags.masterType,
    have('master', 'server', 'type'),
    `Master server type (${typeList(location)})?`,
    'cx32',
  );
  const type = catalogue.server_types[masterType];
  if (!type || !type.locations.includes(location))
    throw new UsageError(
      `--master-type "${masterType}" is not sold in ${location}; expected one of ${typesIn(location).join(', ')}`,
    );
  const cidr = await value(
    '--network',
    flags.network,
    have('network', 'cidr'),
    'WireGuard network (one address per project)?',
    '10.100.0.0/24',
  );
  const tls = await value(
    '--tls',
    flags.tls,
    have('tls', 'mode'),
    'TLS mode (on_demand or wildcard_dns)?',
    'on_demand',
  );
  if (tls !== 'on_demand' && tls !== 'wildcard_dns')
    throw new UsageError(`--tls "${tls}" is not a TLS mode; expected on_demand or wildcard_dns`);
  const boxHost = await value(
    '--storage-box-host',
    flags.storageBoxHost,
    have('storage_box', 'host'),
    'Storage Box host (uXXXXXX.your-storagebox.de)?',
  );
  const boxUser = await value(
    '--storage-box-user',
    flags.storageBoxUser,
    have('storage_box', 'user'),
    'Storage Box user (uXXXXXX)?',
    boxHost.split('.')[0],
  );
  const boxIdText = await value(
    '--storage-box-id',
    flags.storageBoxId,
    have('storage_box', 'id'),
    'Storage Box id (Hetzner Console → Storage Boxes; each project gets its own sub-account)?',
  );
  const boxId = Number(boxIdText);
  if (!(Number.isInteger(boxId) && boxId > 0))
    throw new UsageError(
      `--storage-box-id "${boxIdText}" is not a Storage Box id; expected a positive whole number such as 4711`,
    );
  const sshUser = await value(
    '--ssh-user',
    flags.sshUser,
    have('ssh', 'user'),
    'SSH user on the servers?',
    'deploy',
  );
  const fileKeys = have('ssh', 'authorized_keys');
  let sshKeys =
    flags.sshKey && flags.sshKey.length > 0
      ? [...flags.sshKey]
      : Array.isArray(fileKeys)
        ? fileKeys.map(String)
        : [];
  if (sshKeys.length === 0) {
    const own = readText(join(env.HOME ?? homedir(), '.ssh', 'id_ed25519.pub'))?.trim();
    const answer = ask ? (await ask('Your SSH public key (for the deploy user)?', own)).trim() : own;
    if (!answer)
      throw new UsageError(
        '--ssh-key is required: your SSH public key (ssh-ed25519 AAAA… you@laptop), to reach the servers as the deploy user',
      );
    sshKeys = [answer];
  }
  const reviewers =
    flags.reviewer && flags.reviewer.length > 0
      ? [...flags.reviewer]
      : ask
        ? splitList(await ask('Required reviewers of production runs (GitHub logins, comma-separated)?', ''))
        : [];

  const keyDir = resolve(
    cwd,
    flags.keyDir ?? join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'supafleet', name),
  );
  const inside = relative(root, keyDir);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside)))
    throw new UsageError(
      `--key-dir "${keyDir}" is inside the repository ${root}; the seal private key must never be in the repository`,
    );
  const wait = Number(flags.waitMinutes ?? '20');
  if (!(wait > 0 && wait <= 120))
    throw new UsageError(`--wait-minutes "${flags.waitMinutes}" is not between 1 and 120`);
  const secret = (v: string | undefined): Secret | undefined =>
    v === undefined || v === '' ? undefined : new Secret(v);
  const hcloud = secret(env.HCLOUD_TOKEN);
  const hcloudReadOnly = secret(env.HCLOUD_TOKEN_READONLY);
  const sealPublicKey = str(have('seal', 'public_key'));

  return {
    root,
    repo: { owner, repo },
    fleet: {
      name,
      domain,
      ...(adminDomain !== undefined ? { adminDomain } : {}),
      masterType,
      location,
      cidr,
      storageBox: { host: boxHost, user: boxUser, id: boxId },
      ...(sealPublicKey !== undefined ? { sealPublicKey } : {}),
      tlsMode: tls,
      sshUser,
      sshKeys,
    },
    reviewers,
    masterUrl: (flags.masterUrl ?? `https://fleet.${domain}`).replace(/\/+$/, ''),
    keyDir,
    ...(flags.backupKey !== undefined ? { backupKeyFile: resolve(cwd, flags.backupKey) } : {}),
    tokens: {
      github: new Secret(githubToken),
      ...(hcloud ? { hcloud } : {}),
      ...(hcloudReadOnly ? { hcloudReadOnly } : {}),
    },
    endpoints: {
      ...(env.GITHUB_API_URL ? { github: env.GITHUB_API_URL } : {}),
      ...(env.HCLOUD_ENDPOINT ? { hcloud: env.HCLOUD_ENDPOINT } : {}),
      ...(env.HETZNER_ENDPOINT ? { hetzner: env.HETZNER_ENDPOINT } : {}),
    },
    waitMinutes: wait,
    planOnly: flags.plan === true,
    checkTokens: flags.checkTokens === true,
    skipMaster: flags.skipMaster === true,
    printPrivateKey: flags.printPrivateKey === true,
  };
}

function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim().replace(/^@/, ''))
    .filter((s) => s !== '');
}

function locationList(): string {
  return locationNames()
    .map((l) => `${l} ${catalogue.locations[l]!.city}`)
    .join(', ');
}

function typesIn(location: string): string[] {
  return serverTypeNames().filter((t) => catalogue.server_types[t]!.locations.includes(location));
}

/** Server types sold in `location`, with size and monthly price. */
function typeList(location: string): string {
  return typesIn(location)
    .map((t) => {
      const s = catalogue.server_types[t]!;
      return `${t} ${s.cores} vCPU ${s.memory_gb} GB ${s.price_monthly.toFixed(2)} ${catalogue.currency}/month`;
    })
    .join('; ');
}
