/**
 * The lab with real Caddy in front, as the e2e tests on examples/fleet run it: `*.<domain>` →
 * the Kong fake's proxy (and, when asked, `fleet.<domain>` → the master API), each with
 * `tls internal`. Stopping it stops Caddy, then the lab, and says what the lab left behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetSpec } from '../../core/spec/types.ts';
import { startCaddy, type CaddySite, type StartedCaddy } from '../../test/support/caddy.ts';
import { startLab } from './index.ts';
import { leftovers, type FleetLab, type FleetLabOptions, type LabTrace } from './lab.ts';

/** The key line of an EXAMPLE-ONLY seal key file: its last line that is not a `#` comment. */
export function exampleSealKey(text: string, file: string): string {
  const key = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .at(-1);
  if (!key)
    throw new Error(`${file} holds no key line; expected the base64 seal private key as its last line`);
  return key;
}

/** The seal private key of the example fleet in `root` (its EXAMPLE-ONLY.seal-private-key). */
export function readExampleSealKey(root: string): string {
  const file = join(root, 'EXAMPLE-ONLY.seal-private-key');
  return exampleSealKey(readFileSync(file, 'utf8'), file);
}

export interface LabBehindCaddy {
  readonly lab: FleetLab;
  readonly caddy: StartedCaddy;
}

/**
 * Starts the lab for `fleet` (namespaces when possible, unless `mode` says) and Caddy in front of
 * it; with `masterSite`, `fleet.<domain>` reaches the master API as on a master. When Caddy does
 * not start, the lab is stopped before the error is thrown.
 */
export async function startLabBehindCaddy(
  options: FleetLabOptions & {
    readonly fleet: { readonly spec: FleetSpec; readonly sealPrivateKey: string };
    readonly mode?: 'namespaces' | 'in-process';
    readonly masterSite?: boolean;
  },
): Promise<LabBehindCaddy> {
  const { masterSite, ...labOptions } = options;
  const lab = await startLab(labOptions);
  const domain = options.fleet.spec.domain;
  const sites: CaddySite[] = [
    ...(masterSite ? [{ hosts: [`fleet.${domain}`], upstream: new URL(lab.masterUrl).host }] : []),
    { hosts: [`*.${domain}`], upstream: new URL(lab.kongProxyUrl).host },
  ];
  try {
    return { lab, caddy: await startCaddy({ sites }) };
  } catch (err) {
    await lab.stop();
    throw err;
  }
}

/**
 * Stops Caddy, then the lab; what the lab left behind (namespaces, processes, sockets, temp
 * dirs: none is expected), or undefined when the lab never started.
 */
export async function stopLabBehindCaddy(
  lab: FleetLab | undefined,
  caddy: StartedCaddy | undefined,
): Promise<LabTrace | undefined> {
  await caddy?.stop();
  if (!lab) return undefined;
  const trace = lab.trace();
  await lab.stop();
  return leftovers(trace);
}
