import { createHash } from 'node:crypto';
import type { Secret } from '../../core/seal/secret.ts';
import { checkBundlePaths } from './bundle-path.ts';
import { MAX_BUNDLE_BYTES, MAX_BUNDLE_FILES } from './layout.ts';
import { openSealed } from './sealed-box.ts';
import { describeErrors, validators, type Validator } from './schema.ts';

/** The answer to GET /v1/agent/bundle (schemas/api/bundle-response.schema.json). */
export interface BundleResponse {
  readonly project: string;
  readonly revision: number;
  readonly sha256: string;
  readonly sealed: string;
}

/** An opened, checked bundle: relative path → content. Contents may hold secrets; never log them. */
export interface Bundle {
  readonly revision: number;
  readonly sha256: string;
  readonly files: ReadonlyMap<string, string>;
}

const validate = validators.bundle as Validator<BundleResponse>;

/**
 * Checks the master's answer, opens the sealed plaintext with the worker's
 * seal private key, verifies its SHA-256 and every path. Throws with a
 * message that names what is wrong and never quotes a file's content.
 */
export async function openBundle(response: unknown, project: string, privateKey: Secret): Promise<Bundle> {
  if (!validate(response)) {
    throw new Error(`the bundle response is malformed: ${describeErrors(validate.errors).join('; ')}`);
  }
  const r = response;
  if (r.project !== project) {
    throw new Error(`the bundle is for project "${r.project}", but this agent serves "${project}"`);
  }
  let plain: Uint8Array;
  try {
    plain = openSealed(r.sealed, privateKey.reveal());
  } catch (err) {
    throw new Error(`cannot open bundle revision ${r.revision}: ${(err as Error).message}`, { cause: err });
  }
  const digest = createHash('sha256').update(plain).digest('hex');
  if (digest !== r.sha256) {
    throw new Error(
      `bundle revision ${r.revision} does not match its sha256: expected ${r.sha256}, the plaintext has ${digest}`,
    );
  }
  if (plain.byteLength > MAX_BUNDLE_BYTES) {
    throw new Error(
      `bundle revision ${r.revision} has ${plain.byteLength} bytes; at most ${MAX_BUNDLE_BYTES} allowed`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(plain).toString('utf8'));
  } catch {
    throw new Error(`bundle revision ${r.revision} is not JSON; expected {"files": {"<path>": "<content>"}}`);
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new Error(
      `bundle revision ${r.revision} has no "files" object; expected {"files": {"<path>": "<content>"}}`,
    );
  }
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.length > MAX_BUNDLE_FILES) {
    throw new Error(
      `bundle revision ${r.revision} has ${entries.length} files; at most ${MAX_BUNDLE_FILES} allowed`,
    );
  }
  const problems = checkBundlePaths(entries.map(([p]) => p));
  for (const [p, content] of entries) {
    if (typeof content !== 'string') problems.push(`path ${JSON.stringify(p)} has a non-string content`);
  }
  if (problems.length > 0) {
    throw new Error(`bundle revision ${r.revision} refused:\n  - ${problems.join('\n  - ')}`);
  }
  return { revision: r.revision, sha256: r.sha256, files: new Map(entries as [string, string][]) };
}
