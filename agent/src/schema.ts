import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/** One ajv instance for the agent's contracts (schemas/ is the single source of truth). */
const ajv = new Ajv2020({ allErrors: true, strict: false });

/** Compiles a JSON Schema once. */
export function compile<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** ajv errors as short sentences naming the JSON path, the bad value's place and what is expected. */
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
