/**
 * fleet.yaml as `supafleet init` writes it: a new file from the answers, or the operator's file
 * with only the answered fields changed (comments, order and everything else kept). Pure: text
 * in, text out.
 */
import { isMap, parseDocument } from 'yaml';

/** What init knows about the fleet; absent fields are left as the file has them. */
export interface FleetAnswers {
  readonly name: string;
  readonly domain: string;
  /** Absent: the default zone, admin.<domain>. */
  readonly adminDomain?: string;
  readonly repository: string;
  readonly repositoryId: number;
  readonly ownerId: number;
  readonly masterType: string;
  readonly location: string;
  readonly cidr: string;
  readonly storageBox: { readonly host: string; readonly user: string; readonly id?: number };
  readonly sealPublicKey: string;
  readonly tlsMode: 'on_demand' | 'wildcard_dns';
  readonly sshUser: string;
  readonly sshKeys: readonly string[];
}

/** The fleet.yaml text for `answers`, starting from `current` (the file's text) when there is one. */
export function renderFleetFile(current: string | undefined, answers: FleetAnswers): string {
  if (current === undefined) return newFleetFile(answers);
  const doc = parseDocument(current);
  if (!isMap(doc.contents)) return newFleetFile(answers);
  let changed = false;
  const set = (path: readonly (string | number)[], value: unknown): void => {
    if (doc.getIn(path) === value) return;
    doc.setIn(path, value);
    changed = true;
  };
  set(['name'], answers.name);
  set(['domain'], answers.domain);
  if (answers.adminDomain !== undefined) set(['admin_domain'], answers.adminDomain);
  set(['github', 'repository'], answers.repository);
  set(['github', 'repository_id'], answers.repositoryId);
  set(['github', 'owner_id'], answers.ownerId);
  set(['master', 'server', 'type'], answers.masterType);
  set(['master', 'server', 'location'], answers.location);
  set(['network', 'cidr'], answers.cidr);
  set(['storage_box', 'host'], answers.storageBox.host);
  set(['storage_box', 'user'], answers.storageBox.user);
  if (answers.storageBox.id !== undefined) set(['storage_box', 'id'], answers.storageBox.id);
  set(['seal', 'public_key'], answers.sealPublicKey);
  set(['tls', 'mode'], answers.tlsMode);
  set(['ssh', 'user'], answers.sshUser);
  const keys = doc.getIn(['ssh', 'authorized_keys']) as { toJSON?: () => unknown } | undefined;
  const have = keys?.toJSON?.();
  if (JSON.stringify(have) !== JSON.stringify(answers.sshKeys)) {
    doc.setIn(['ssh', 'authorized_keys'], [...answers.sshKeys]);
    changed = true;
  }
  return changed ? doc.toString({ lineWidth: 0 }) : current;
}

function newFleetFile(a: FleetAnswers): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    '# yaml-language-server: $schema=schemas/fleet.schema.json',
    '# Written by supafleet init; edit freely (init changes only the fields it asks for).',
    `name: ${a.name}`,
    `domain: ${a.domain}`,
    ...(a.adminDomain !== undefined ? [`admin_domain: ${a.adminDomain}`] : []),
    'github:',
    `  repository: ${a.repository}`,
    `  repository_id: ${a.repositoryId}`,
    `  owner_id: ${a.ownerId}`,
    'master:',
    `  server: { type: ${a.masterType}, location: ${a.location} }`,
    'network:',
    `  cidr: ${a.cidr}`,
    'storage_box:',
    `  host: ${a.storageBox.host}`,
    `  user: ${a.storageBox.user}`,
    ...(a.storageBox.id !== undefined ? [`  id: ${a.storageBox.id}`] : []),
    'seal:',
    '  # The matching private key goes to the master only, never into git.',
    `  public_key: ${q(a.sealPublicKey)}`,
    'tls:',
    `  mode: ${a.tlsMode}`,
    'ssh:',
    `  user: ${a.sshUser}`,
    a.sshKeys.length === 0 ? '  authorized_keys: []' : '  authorized_keys:',
    ...a.sshKeys.map((k) => `    - ${q(k)}`),
    '  workers_public: false',
    '',
  ];
  return lines.join('\n');
}
