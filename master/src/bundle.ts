import { createHash } from 'node:crypto';
import { isSealedString, parseSealed, sealBytes, unseal, type Secret } from '../../core/seal/index.ts';
import type { ProjectSecrets } from '../../core/secrets/types.ts';
import {
  resolveFleet,
  resolveProject,
  type ResolvedFleet,
  type ResolvedProject,
} from '../../core/spec/defaults.ts';
import type { FleetSpec, ProjectSpec } from '../../core/spec/types.ts';
import { renderWorkerBundle } from '../../cloud-init/worker/bundle.ts';

/** Renders a worker's stack bundle (relative path → content). */
export type BundleRenderer = (input: {
  readonly fleet: ResolvedFleet;
  readonly project: ResolvedProject;
  readonly secrets: ProjectSecrets;
  readonly opened: Readonly<Record<string, string>>;
  readonly revision: number;
  readonly wgAddress: string;
}) => Map<string, string>;

/** The renderer from `cloud-init/`. */
export const defaultBundleRenderer: BundleRenderer = (input) => renderWorkerBundle(input);

/** The sealed string values of a spec, by dotted field path (`auth.smtp.pass`). */
export function sealedFields(spec: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (isSealedString(v)) out.set(path, v);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, path ? `${path}.${i}` : String(i)));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(spec, prefix);
  return out;
}

/** Opens every sealed value of a project spec with the fleet key; each must be bound to its own place. */
export async function openSealedFields(
  spec: ProjectSpec,
  keys: { publicKey: string; privateKey: Secret },
): Promise<Record<string, string>> {
  const opened: Record<string, string> = {};
  for (const [field, sealed] of sealedFields(spec)) {
    if (!parseSealed(sealed)) throw new Error(`${field}: malformed sealed value`);
    opened[field] = (await unseal(sealed, { project: spec.name, field }, keys)).reveal();
  }
  return opened;
}

export interface SealedBundle {
  readonly project: string;
  readonly revision: number;
  readonly sha256: string;
  readonly sealed: string;
}

/**
 * The answer to GET /v1/agent/bundle: the rendered files as JSON `{"files": {...}}`
 * (sorted paths), its SHA-256, sealed to the worker's seal public key.
 */
export async function buildSealedBundle(input: {
  fleet: FleetSpec;
  spec: ProjectSpec;
  secrets: ProjectSecrets;
  revision: number;
  wgAddress: string;
  workerSealPublicKey: string;
  fleetKeys: { publicKey: string; privateKey: Secret };
  render: BundleRenderer;
}): Promise<SealedBundle> {
  const files = input.render({
    fleet: resolveFleet(input.fleet),
    project: resolveProject(input.spec),
    secrets: input.secrets,
    opened: await openSealedFields(input.spec, input.fleetKeys),
    revision: input.revision,
    wgAddress: input.wgAddress,
  });
  const sorted: Record<string, string> = {};
  for (const path of [...files.keys()].sort()) {
    if (path.startsWith('/') || path.split('/').includes('..'))
      throw new Error(`bundle path "${path}" is not relative`);
    sorted[path] = files.get(path)!;
  }
  const plaintext = JSON.stringify({ files: sorted });
  return {
    project: input.spec.name,
    revision: input.revision,
    sha256: createHash('sha256').update(plaintext).digest('hex'),
    sealed: await sealBytes(plaintext, input.workerSealPublicKey),
  };
}
