// Synchronous reads: a fleet is many small files, and a thread-pool round trip per
// call costs more than the read itself (validation of 1,000 files is CPU-bound).
import { lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Issue, SpecError } from './errors.ts';
import { compareErrors } from './errors.ts';
import { effectiveSubdomain, fleetDocumentIssues, locateIssues, projectDocumentIssues } from './findings.ts';
import type { Locator } from './locate.ts';
import { domainProblem } from './rules/dns.ts';
import type { FleetSpec, ProjectSpec } from './types.ts';
import { MAX_FILE_BYTES, parseSpecSource } from './yaml-source.ts';
import { stringAt } from './walk.ts';

/** The fleet file, relative to the root. */
export const FLEET_FILE = 'fleet.yaml';
/** The folder of project files, relative to the root. */
export const PROJECTS_DIR = 'projects';
/** Most project files one fleet may hold. */
export const MAX_PROJECTS = 10_000;
/** Most errors reported for one file; a file with more is hopeless, and the output stays readable. */
export const MAX_ERRORS_PER_FILE = 50;
const READ_CONCURRENCY = 16;

/**
 * A loaded fleet. `ok` is true only when there are no errors; `fleet` and
 * `projects` hold the documents that passed their own file's checks, so a caller
 * can still show what it understood.
 */
export interface LoadResult {
  readonly ok: boolean;
  readonly fleet?: FleetSpec;
  readonly projects: ProjectSpec[];
  readonly errors: SpecError[];
  /** How many project files were read (valid or not). */
  readonly projectFiles: number;
}

interface Loaded {
  readonly file: string;
  readonly value: unknown;
  readonly locate: Locator;
  readonly errors: SpecError[];
}

/**
 * Reads `fleet.yaml` and every `projects/*.yaml` under `root` and checks them
 * all, reporting every mistake with file, line, column and JSON path. Throws only
 * for I/O failures (the root cannot be read); problems with the files themselves
 * are errors in the result.
 */
export async function loadFleetDir(root: string): Promise<LoadResult> {
  await requireDirectory(root);
  const errors: SpecError[] = [];

  const fleetDoc = await loadDocument(root, FLEET_FILE, (value) => fleetDocumentIssues(value));
  let fleet: FleetSpec | undefined;
  let domain: string | undefined;
  if (fleetDoc === 'missing') {
    errors.push(
      fileError(
        FLEET_FILE,
        `${FLEET_FILE} is missing; expected the fleet file at the root of the fleet (see examples/fleet)`,
      ),
    );
  } else {
    errors.push(...fleetDoc.errors);
    if (fleetDoc.errors.length === 0) fleet = fleetDoc.value as FleetSpec;
    const d = stringAt(fleetDoc.value, ['domain']);
    if (d !== undefined && domainProblem(d) === undefined) domain = d;
  }

  const { files, errors: listErrors } = await listProjectFiles(root);
  errors.push(...listErrors);
  const docs = await mapBounded(files, READ_CONCURRENCY, async (file) => {
    const fileName = file.slice(PROJECTS_DIR.length + 1, -'.yaml'.length);
    const doc = await loadDocument(root, file, (value) =>
      projectDocumentIssues(value, { fileName, ...(domain !== undefined ? { domain } : {}) }),
    );
    // The file was listed a moment ago; if it vanished since, say so like any other file problem.
    return doc === 'missing'
      ? {
          file,
          value: undefined,
          locate: () => ({ line: 0, column: 0 }),
          errors: [fileError(file, `${file} disappeared while it was being read`)],
        }
      : doc;
  });

  const projects: ProjectSpec[] = [];
  const subdomains = new Map<string, string>();
  for (const doc of docs) {
    errors.push(...doc.errors);
    if (doc.errors.length === 0) projects.push(doc.value as ProjectSpec);
    const sub = effectiveSubdomain(doc.value);
    if (!sub) continue;
    const first = subdomains.get(sub.value);
    if (first === undefined) {
      subdomains.set(sub.value, doc.file);
    } else {
      const issue: Issue = {
        path: [sub.key],
        message: `subdomain ${JSON.stringify(sub.value)} is already used by ${first}; expected a subdomain of its own (set subdomain: to another label)`,
      };
      errors.push(...locateIssues([issue], doc.file, doc.locate));
    }
  }
  errors.sort(compareErrors);
  return {
    ok: errors.length === 0,
    ...(fleet ? { fleet } : {}),
    projects,
    errors,
    projectFiles: docs.length,
  };
}

/**
 * Reads and checks fleet.yaml alone (for commands that need only the fleet,
 * such as seal). `value` is the parsed document even when it has errors, so a
 * caller can use the parts it needs; undefined when the file is missing or
 * cannot be parsed.
 */
export async function loadFleetFile(
  root: string,
): Promise<{ readonly value?: unknown; readonly errors: SpecError[] }> {
  await requireDirectory(root);
  const doc = await loadDocument(root, FLEET_FILE, (value) => fleetDocumentIssues(value));
  if (doc === 'missing') {
    return {
      errors: [
        fileError(
          FLEET_FILE,
          `${FLEET_FILE} is missing; expected the fleet file at the root of the fleet (see examples/fleet)`,
        ),
      ],
    };
  }
  return { ...(doc.value !== undefined ? { value: doc.value } : {}), errors: doc.errors };
}

async function requireDirectory(root: string): Promise<void> {
  let info;
  try {
    info = statSync(root);
  } catch (error) {
    throw new Error(`cannot read the fleet directory ${root}: ${(error as Error).message}`, { cause: error });
  }
  if (!info.isDirectory())
    throw new Error(`${root} is not a directory; expected the root of a fleet (holding fleet.yaml)`);
}

async function listProjectFiles(root: string): Promise<{ files: string[]; errors: SpecError[] }> {
  let entries: string[];
  try {
    entries = readdirSync(join(root, PROJECTS_DIR)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], errors: [] };
    throw new Error(`cannot list ${join(root, PROJECTS_DIR)}: ${(error as Error).message}`, { cause: error });
  }
  const errors: SpecError[] = [];
  const files: string[] = [];
  for (const entry of entries) {
    const file = `${PROJECTS_DIR}/${entry}`;
    if (entry.endsWith('.yml')) {
      errors.push(
        fileError(
          file,
          `${file} ends in .yml; expected .yaml (rename it to ${PROJECTS_DIR}/${entry.slice(0, -4)}.yaml)`,
        ),
      );
    } else if (entry.endsWith('.yaml')) {
      files.push(file);
    }
  }
  if (files.length > MAX_PROJECTS) {
    errors.push(fileError(PROJECTS_DIR, `${files.length} project files; expected at most ${MAX_PROJECTS}`));
    return { files: [], errors };
  }
  return { files, errors };
}

/** Reads and checks one document; 'missing' when the file does not exist. */
async function loadDocument(
  root: string,
  file: string,
  issuesOf: (value: unknown) => Issue[],
): Promise<Loaded | 'missing'> {
  const path = join(root, file);
  const none: Locator = () => ({ line: 0, column: 0 });
  let info;
  try {
    info = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  // A symbolic link could make validation read (and echo) any file on the runner.
  if (!info.isFile()) {
    const what = info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
    return {
      file,
      value: undefined,
      locate: none,
      errors: [fileError(file, `${file} is ${what}; expected a regular file`)],
    };
  }
  if (info.size > MAX_FILE_BYTES) {
    const message = `the file is ${info.size} bytes; expected at most ${MAX_FILE_BYTES} bytes (64 KiB)`;
    return { file, value: undefined, locate: none, errors: [fileError(file, message)] };
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseSpecSource(bytes);
  if (!parsed.ok) {
    const errors = parsed.problems.map((p) => ({
      file,
      line: p.line,
      column: p.column,
      path: '',
      message: p.message,
    }));
    return { file, value: undefined, locate: none, errors };
  }
  const errors = locateIssues(issuesOf(parsed.value), file, parsed.locate).sort(compareErrors);
  if (errors.length > MAX_ERRORS_PER_FILE) {
    const more = errors.length - MAX_ERRORS_PER_FILE;
    errors.splice(
      MAX_ERRORS_PER_FILE,
      more,
      fileError(file, `${more} more errors not shown; fix the ones above first`),
    );
  }
  return { file, value: parsed.value, locate: parsed.locate, errors };
}

function fileError(file: string, message: string): SpecError {
  return { file, line: 0, column: 0, path: '', message };
}

/** Maps with at most `limit` calls in flight, keeping the order of `items`. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
