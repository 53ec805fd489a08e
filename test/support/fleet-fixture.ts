import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A well-formed seal public key (base64 of 32 bytes) for fixtures that never open sealed values. */
export const FIXTURE_PUBLIC_KEY = 'IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=';

/**
 * A sealed-looking value bound to `project` and `field`, with ciphertext that
 * nobody can open. Enough for validation, which reads only the header.
 */
export function fakeSealed(project: string, field: string): string {
  const ciphertext = Buffer.alloc(96, 7).toString('base64');
  return `sealed:v1:${project}:${field}:${ciphertext}`;
}

/** A valid fleet.yaml. `publicKey` defaults to FIXTURE_PUBLIC_KEY. */
export function fleetYaml(publicKey = FIXTURE_PUBLIC_KEY): string {
  return `name: test
domain: example.com
github: { repository_id: 1, owner_id: 2 }
master:
  server: { type: cx32, location: fsn1 }
storage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }
seal: { public_key: "${publicKey}" }
`;
}

/** A valid minimal project file for `name`. */
export function projectYaml(name: string, extra = ''): string {
  return `name: ${name}
server: { type: cx22, location: fsn1 }
${extra}`;
}

/**
 * Writes a fleet directory: every entry of `files` (relative path → content),
 * plus a valid fleet.yaml unless `files` has its own.
 */
export async function writeFleetDir(
  root: string,
  files: Readonly<Record<string, string | Uint8Array>>,
): Promise<void> {
  const all: Record<string, string | Uint8Array> = { 'fleet.yaml': fleetYaml(), ...files };
  for (const [file, content] of Object.entries(all)) {
    const path = join(root, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}
