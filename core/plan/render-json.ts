/** Renders a plan as JSON with sorted keys, for machines (`supafleet plan --json`, action outputs). */
import type { Plan } from './types.ts';

/** Version of the JSON layout; bump on incompatible changes. */
export const PLAN_JSON_VERSION = 1;

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, sortKeys(obj[k])]),
    );
  }
  return value;
}

export function renderJson(plan: Plan): string {
  return `${JSON.stringify(sortKeys({ version: PLAN_JSON_VERSION, ...plan }), null, 2)}\n`;
}
