import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import fleetSchema from '../../schemas/fleet.schema.json' with { type: 'json' };
import projectSchema from '../../schemas/project.schema.json' with { type: 'json' };
import { fromPointer, quote, type Issue, type PathSegment } from './errors.ts';
import { isSecretPath } from './rules/sealed.ts';

const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
const validators: Record<'project' | 'fleet', ValidateFunction> = {
  project: ajv.compile(projectSchema),
  fleet: ajv.compile(fleetSchema),
};

/** The keywords whose findings the semantic checks repeat with better messages. */
export const REFINED_KEYWORDS: ReadonlySet<string> = new Set(['pattern', 'format']);

/** A schema finding, with the keyword that produced it. */
export interface SchemaIssue extends Issue {
  readonly keyword: string;
}

/**
 * Validates `value` against `schemas/<kind>.schema.json` and turns every ajv
 * error into an issue whose message names the bad value and what is expected.
 */
export function schemaIssues(kind: 'project' | 'fleet', value: unknown): SchemaIssue[] {
  const validate = validators[kind];
  if (validate(value)) return [];
  const issues: SchemaIssue[] = [];
  for (const error of validate.errors ?? []) {
    const issue = toIssue(error);
    if (issue) issues.push(issue);
  }
  return issues;
}

function toIssue(error: ErrorObject): SchemaIssue | undefined {
  const base = fromPointer(error.instancePath) as PathSegment[];
  const params = error.params as Record<string, unknown>;
  const keyword = error.keyword;
  const secret = isSecretPath(base);
  const shown = (data: unknown): string =>
    secret || data === null || typeof data === 'object' ? 'the value' : quote(data);
  if (keyword === 'propertyNames') return undefined; // its sub-error is reported instead
  if (error.propertyName !== undefined) {
    const path = [...base, error.propertyName];
    const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map(String) : undefined;
    const message = allowed
      ? `unknown key ${quote(error.propertyName)}; expected one of ${allowed.join(', ')}`
      : `the key ${quote(error.propertyName)} ${keyword === 'pattern' ? `does not match ${String(params.pattern)}` : (error.message ?? 'is not allowed')}`;
    return { path, message, at: 'key', keyword };
  }
  switch (keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const properties = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const expected = properties.length > 0 ? `; expected one of ${properties.join(', ')}` : '';
      return { path: [...base, key], message: `unknown key ${quote(key)}${expected}`, at: 'key', keyword };
    }
    case 'required':
      return {
        path: base,
        message: `missing required key ${quote(String(params.missingProperty))}`,
        at: 'key',
        keyword,
      };
    case 'type':
      return {
        path: base,
        message: `${shown(error.data)} is ${describeType(error.data)}; expected ${typeNames(params.type)}`,
        keyword,
      };
    case 'enum':
      return {
        path: base,
        message: `${shown(error.data)} is not allowed; expected one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
        keyword,
      };
    case 'minimum':
    case 'exclusiveMinimum':
      return {
        path: base,
        message: `${shown(error.data)} is too small; expected at least ${String(params.limit)}`,
        keyword,
      };
    case 'maximum':
    case 'exclusiveMaximum':
      return {
        path: base,
        message: `${shown(error.data)} is too large; expected at most ${String(params.limit)}`,
        keyword,
      };
    case 'minLength':
      return {
        path: base,
        message:
          params.limit === 1
            ? `the value is empty; expected a non-empty string`
            : `${shown(error.data)} is too short; expected at least ${String(params.limit)} characters`,
        keyword,
      };
    case 'maxLength':
      return {
        path: base,
        message: `the value is too long; expected at most ${String(params.limit)} characters`,
        keyword,
      };
    case 'maxItems':
      return {
        path: base,
        message: `${countOf(error.data)} entries; expected at most ${String(params.limit)}`,
        keyword,
      };
    case 'maxProperties':
      return {
        path: base,
        message: `${Object.keys(error.data as object).length} entries; expected at most ${String(params.limit)}`,
        keyword,
      };
    case 'minItems':
      return {
        path: base,
        message: `${countOf(error.data)} entries; expected at least ${String(params.limit)}`,
        keyword,
      };
    case 'uniqueItems': {
      const later = Math.max(Number(params.i), Number(params.j));
      const earlier = Math.min(Number(params.i), Number(params.j));
      const item = Array.isArray(error.data) ? error.data[later] : undefined;
      return {
        path: [...base, later],
        message: `${quote(item)} is listed twice (entries ${earlier + 1} and ${later + 1}); expected each entry once`,
        keyword,
      };
    }
    case 'pattern':
      return {
        path: base,
        message: `${shown(error.data)} does not match ${String(params.pattern)}`,
        keyword,
      };
    default:
      return { path: base, message: `${shown(error.data)} ${error.message ?? 'is not valid'}`, keyword };
  }
}

function countOf(data: unknown): number {
  return Array.isArray(data) ? data.length : 0;
}

function describeType(data: unknown): string {
  if (data === null) return 'empty';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'number') return Number.isInteger(data) ? 'an integer' : 'a number';
  if (typeof data === 'object') return 'a mapping';
  if (typeof data === 'string') return 'a string';
  if (typeof data === 'boolean') return 'a boolean';
  return typeof data;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeNames(type: unknown): string {
  const list = Array.isArray(type) ? type : [type];
  return list.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ');
}
