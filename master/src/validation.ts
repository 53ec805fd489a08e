import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import enrollRequest from '../../schemas/api/enroll-request.schema.json' with { type: 'json' };
import heartbeat from '../../schemas/api/heartbeat.schema.json' with { type: 'json' };
import commandResult from '../../schemas/api/command-result.schema.json' with { type: 'json' };
import fleetSchema from '../../schemas/fleet.schema.json' with { type: 'json' };
import type { SpecError } from '../../core/spec/index.ts';
import type { FleetSpec, ProjectSpec } from '../../core/spec/types.ts';
import { BadRequestError } from './errors.ts';

/**
 * Request bodies are checked against the JSON Schemas in `schemas/`, the same
 * files the agent, the CLI and editors use.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);

export interface EnrollRequest {
  readonly token: string;
  readonly wg_public_key: string;
  readonly seal_public_key: string;
}
export interface CommandResult {
  readonly id: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly error?: string;
  readonly duration_s?: number;
  readonly snapshot_id?: string;
  readonly size_bytes?: number;
}
export interface HeartbeatBody {
  readonly project: string;
  readonly sent_at: string;
  readonly apply: { readonly state: string; readonly revision: number };
  readonly services: readonly { name: string; state: string }[];
  readonly [k: string]: unknown;
}

const compiled = {
  enroll: ajv.compile(enrollRequest),
  heartbeat: ajv.compile(heartbeat),
  commandResult: ajv.compile(commandResult),
  fleet: ajv.compile(fleetSchema),
};

/** A schema error as `/path: message` (values are not echoed: a body may carry a secret). */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') {
      return `${where}: unknown property "${String(e.params.additionalProperty)}"`;
    }
    if (e.keyword === 'enum')
      return `${where}: expected one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    return `${where}: ${e.message ?? 'is invalid'}`;
  });
}

function check<T>(fn: ValidateFunction, body: unknown, what: string): T {
  if (!fn(body)) {
    const errors = describeErrors(fn.errors);
    throw new BadRequestError(`invalid ${what}: ${errors.slice(0, 5).join('; ')}`, errors);
  }
  return body as T;
}

/** Every agent and worker payload is checked against its schema, then for strings Postgres cannot store. */
function checkStorable<T>(fn: ValidateFunction, body: unknown, what: string): T {
  const r = check<T>(fn, body, what);
  assertStorable(r, what);
  return r;
}

export const validateEnrollRequest = (b: unknown): EnrollRequest =>
  checkStorable(compiled.enroll, b, 'enrollment request');
export const validateHeartbeat = (b: unknown): HeartbeatBody =>
  checkStorable(compiled.heartbeat, b, 'heartbeat');
export const validateCommandResult = (b: unknown): CommandResult =>
  checkStorable(compiled.commandResult, b, 'command result');

/** Validates one project spec for a fleet: `validateProjectObject` from core/spec, the CLI's own rules. */
export type ProjectValidator = (
  spec: unknown,
  fleet: FleetSpec,
  opts?: { file?: string; others?: ProjectSpec[] },
) => SpecError[];

/** A UTF-16 surrogate without its partner: JSON.parse accepts `"\\ud800"`, Postgres jsonb and text refuse it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why Postgres would refuse the string, or undefined when it can be stored. */
function unstorable(s: string): string | undefined {
  if (s.includes('\u0000')) return 'a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'a lone UTF-16 surrogate (ill-formed Unicode)';
  return undefined;
}

const escapePointer = (k: string) => k.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Postgres text and jsonb refuse NUL characters and lone surrogates. Every string of the value,
 * keys included and at any depth, is checked, and the first one that could not be stored is
 * refused with a 400 naming its JSON pointer (never its value), instead of a failed statement
 * (which, for heartbeats written in batches, would fail other projects' reports too).
 */
export function assertStorable(value: unknown, what: string): void {
  // an explicit stack: a deeply nested body cannot overflow the call stack
  const stack: { v: unknown; path: string }[] = [{ v: value, path: '' }];
  for (let budget = 1_000_000; stack.length > 0 && budget > 0; budget--) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) {
        const where = path || '/';
        throw new BadRequestError(`the ${what} has ${why} at ${where}, which cannot be stored`, [
          `${where}: ${why}`,
        ]);
      }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}/${i}` });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i]!;
        const keyPath = `${path}/${escapePointer(k)}`;
        const why = unstorable(k);
        if (why) {
          // the key itself cannot go into the message either: name its parent
          throw new BadRequestError(
            `the ${what} has ${why} in a property name under ${path || '/'}, which cannot be stored`,
            [`${path || '/'}: ${why} in a property name`],
          );
        }
        stack.push({ v: x, path: keyPath });
      }
    }
  }
}

/** Checks a fleet spec against the fleet schema; returns messages. */
export function fleetSchemaErrors(fleet: unknown): string[] {
  return compiled.fleet(fleet) ? [] : describeErrors(compiled.fleet.errors);
}
