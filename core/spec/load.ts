// Synchronous reads: a fleet is many small files, and a thread-pool round trip per
// call costs more than the read itself (validation of 1,000 files is CPU-bound).
import { lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Issue, SpecError } from './errors.ts';
import { compareErrors } from './errors.ts';
import {
  effectiveSubdomain,
  fleetDocumentIssues,
  locateIssues,
  projectDocumentIssues,
  subdomainTakenMessage,
} from './findings.ts';
import { noSource, type Locator } from './locate.ts';
import { domainProblem } from './rules/dns.ts';
import type { FleetSpec, ProjectSpec } from './types.ts';
import { stringAt } from './walk.ts';
import { MAX_FILE_BYTES, parseSpecSource } from './yaml-source.ts';

/** The fleet file, relative to the root. */
export const FLEET_FILE = 'fleet.yaml';
/** The folder of project files, relative to the root. */
export const PROJECTS_DIR = 'projects';
/** Most project files one fleet may hold. */
export const MAX_PROJECTS = 10_000;
/** Most errors reported for one file; a file with more is hopeless, and the output stays readable. */
export const MAX_ERRORS_PER_FILE = 50;

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

/** What checking a project file needs to know about the fleet. */
export interface ProjectCheckContext {
  /** The fleet's domain, when fleet.yaml has a valid one. */
  readonly domain?: string;
}

/**
 * The outcome of checking one project file. Plain data, so it can come back
 * from another thread.
 */
export interface ProjectFileResult {
  readonly file: string;
  /** The parsed document; undefined when the file could not be read as YAML. */
  readonly value: unknown;
  readonly errors: SpecError[];
  /** The host label the project claims and where it is written, for the fleet-wide uniqueness check. */
  readonly subdomain?: {
    readonly value: string;
    readonly key: 'subdomain' | 'name';
    readonly line: number;
    readonly column: number;
  };
}

/** Checks a list of project files (relative to root), returning one result per file, in order. */
export type ProjectFileChecker = (
  root: string,
  files: readonly string[],
  ctx: ProjectCheckContext,
) => Promise<ProjectFileResult[]>;

/** Options of loadFleetDir. */
export interface LoadOptions {
  /** How project files are checked; by default one after another in this thread. */
  readonly checkProjects?: ProjectFileChecker;
}

/**
 * Reads `fleet.yaml` and every `projects/*.yaml` under `root` and checks them
 * all, reporting every mistake with file, line, column and JSON path. Throws only
 * for I/O failures (the root cannot be read); problems with the files themselves
 * are errors in the result.
 */
export async function loadFleetDir(root: string, opts: LoadOptions = {}): Promise<LoadResult> {
  requireDirectory(root);
  const errors: SpecError[] = [];

  const fleetDoc = readDocument(root, FLEET_FILE, (value) => fleetDocumentIssues(value));
  let fleet: FleetSpec | undefined;
  let domain: string | undefined;
  if (fleetDoc === 'missing') {
    errors.push(missingFleetError());
  } else {
    errors.push(...fleetDoc.errors);
    if (fleetDoc.errors.length === 0) fleet = fleetDoc.value as FleetSpec;
    const d = stringAt(fleetDoc.value, ['domain']);
    if (d !== undefined && domainProblem(d) === undefined) domain = d;
  }

  const { files, errors: listErrors } = listProjectFiles(root);
  errors.push(...listErrors);
  const check = opts.checkProjects ?? ((r, f, c) => Promise.resolve(checkProjectFiles(r, f, c)));
  const results = await check(root, files, domain !== undefined ? { domain } : {});

  const projects: ProjectSpec[] = [];
  const claimed = new Map<string, string>();
  for (const result of results) {
    errors.push(...result.errors);
    if (result.errors.length === 0) projects.push(result.value as ProjectSpec);
    const sub = result.subdomain;
    if (!sub) continue;
    const first = claimed.get(sub.value);
    if (first === undefined) {
      claimed.set(sub.value, result.file);
    } else {
      errors.push({
        file: result.file,
        line: sub.line,
        column: sub.column,
        path: `/${sub.key}`,
        message: subdomainTakenMessage(sub.value, first),
      });
    }
  }
  errors.sort(compareErrors);
  return {
    ok: errors.length === 0,
    ...(fleet ? { fleet } : {}),
    projects,
    errors,
    projectFiles: results.length,
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
  requireDirectory(root);
  const doc = readDocument(root, FLEET_FILE, (value) => fleetDocumentIssues(value));
  if (doc === 'missing') return { errors: [missingFleetError()] };
  return { ...(doc.value !== undefined ? { value: doc.value } : {}), errors: doc.errors };
}

/** Checks project files one after another in this thread. */
export function checkProjectFiles(
  root: string,
  files: readonly string[],
  ctx: ProjectCheckContext,
): ProjectFileResult[] {
  return files.map((file) => checkProjectFile(root, file, ctx));
}

function checkProjectFile(root: string, file: string, ctx: ProjectCheckContext): ProjectFileResult {
  const fileName = file.slice(PROJECTS_DIR.length + 1, -'.yaml'.length);
  const doc = readDocument(root, file, (value) =>
    projectDocumentIssues(value, { fileName, ...(ctx.domain !== undefined ? { domain: ctx.domain } : {}) }),
  );
  if (doc === 'missing') {
    // Listed a moment ago, gone now: report it like any other file problem.
    return {
      file,
      value: undefined,
      errors: [fileError(file, `${file} disappeared while it was being read`)],
    };
  }
  const sub = effectiveSubdomain(doc.value);
  if (!sub) return { file, value: doc.value, errors: doc.errors };
  const { line, column } = doc.locate([sub.key], 'value');
  return { file, value: doc.value, errors: doc.errors, subdomain: { ...sub, line, column } };
}

function requireDirectory(root: string): void {
  let info;
  try {
    info = statSync(root);
  } catch (error) {
    throw new Error(`cannot read the fleet directory ${root}: ${(error as Error).message}`, { cause: error });
  }
  if (!info.isDirectory()) {
    throw new Error(`${root} is not a directory; expected the root of a fleet (holding fleet.yaml)`);
  }
}

function listProjectFiles(root: string): { files: string[]; errors: SpecError[] } {
  let entries: string[];
  try {
    // Like a project file, the folder itself may not point elsewhere on the machine.
    if (lstatSync(join(root, PROJECTS_DIR)).isSymbolicLink()) {
      return {
        files: [],
        errors: [fileError(PROJECTS_DIR, `${PROJECTS_DIR} is a symbolic link; expected a folder`)],
      };
    }
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
      const rename = `${PROJECTS_DIR}/${entry.slice(0, -4)}.yaml`;
      errors.push(fileError(file, `${file} ends in .yml; expected .yaml (rename it to ${rename})`));
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

interface Loaded {
  readonly value: unknown;
  readonly locate: Locator;
  readonly errors: SpecError[];
}

/** Reads and checks one document; 'missing' when the file does not exist. */
function readDocument(root: string, file: string, issuesOf: (value: unknown) => Issue[]): Loaded | 'missing' {
  const path = join(root, file);
  const refuse = (message: string): Loaded => ({
    value: undefined,
    locate: noSource,
    errors: [fileError(file, message)],
  });
  let info;
  try {
    info = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  // A symbolic link could make validation read (and echo) any file on the runner.
  if (!info.isFile()) {
    return refuse(
      `${file} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; expected a regular file`,
    );
  }
  if (info.size > MAX_FILE_BYTES) {
    return refuse(`the file is ${info.size} bytes; expected at most ${MAX_FILE_BYTES} bytes (64 KiB)`);
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
    return { value: undefined, locate: noSource, errors };
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
  return { value: parsed.value, locate: parsed.locate, errors };
}

function missingFleetError(): SpecError {
  return fileError(
    FLEET_FILE,
    `${FLEET_FILE} is missing; expected the fleet file at the root of the fleet (see examples/fleet)`,
  );
}

/** An error about the whole file, placed at line 1, column 1 (editors and GitHub count from 1). */
function fileError(file: string, message: string): SpecError {
  return { file, line: 1, column: 1, path: '', message };
}
