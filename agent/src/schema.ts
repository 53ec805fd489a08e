import type { ErrorObject } from 'ajv';
import * as generated from './validators.gen.ts';

/** A validator compiled from a JSON Schema in schemas/ (see agent/gen-validators.ts). */
export interface Validator<T> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

/** The agent's contracts, as compiled validators. */
export const validators = generated as unknown as {
  readonly config: Validator<unknown>;
  readonly bundle: Validator<unknown>;
  readonly command: Validator<unknown>;
  readonly heartbeatResponse: Validator<unknown>;
};

/** ajv errors as short sentences naming the JSON path and what is expected. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = e.instancePath === '' ? '(top level)' : e.instancePath;
    if (e.keyword === 'required') return `${at}: missing "${String(e.params['missingProperty'])}"`;
    if (e.keyword === 'additionalProperties') {
      return `${at}: unknown key "${String(e.params['additionalProperty'])}"`;
    }
    return `${at}: ${e.message ?? 'invalid'}`;
  });
}
