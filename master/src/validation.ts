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

export const validateEnrollRequest = (b: unknown): EnrollRequest =>
  check(compiled.enroll, b, 'enrollment request');
export const validateHeartbeat = (b: unknown): HeartbeatBody => check(compiled.heartbeat, b, 'heartbeat');
export const validateCommandResult = (b: unknown): CommandResult => {
  const r = check<CommandResult>(compiled.commandResult, b, 'command result');
  assertNoNul(r, 'command result');
  return r;
};

/** Validates one project spec for a fleet: `validateProjectObject` from core/spec, the CLI's own rules. */
export type ProjectValidator = (
  spec: unknown,
  fleet: FleetSpec,
  opts?: { file?: string; others?: ProjectSpec[] },
) => SpecError[];

/** Postgres text and jsonb refuse NUL characters: refuse them up front with a 400 instead of a failed statement. */
export function assertNoNul(value: unknown, what: string): void {
  if (JSON.stringify(value).includes('\\u0000')) {
    throw new BadRequestError(`the ${what} contains a NUL character (\\u0000), which cannot be stored`);
  }
}

/** Checks a fleet spec against the fleet schema; returns messages. */
export function fleetSchemaErrors(fleet: unknown): string[] {
  return compiled.fleet(fleet) ? [] : describeErrors(compiled.fleet.errors);
}
