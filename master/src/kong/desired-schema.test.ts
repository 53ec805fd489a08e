import { describe, expect, it } from 'vitest';
import { validateEntity } from '../../../fakes/kong/schema.ts';
import { desiredKongState } from './desired.ts';
import { projectInput } from './test/fixtures.ts';
import { KONG_KINDS } from './types.ts';
import { nameUuid } from './uuid.ts';

/**
 * Every body supafleet sends to Kong validates against Kong 3.9.1's schemas as transcribed in
 * fakes/kong/schema.ts (Kong/kong at tag 3.9.1): no unknown field, no refused value, every
 * entity and plugin check passed.
 */

/** The parent reference Kong stores (a foreign key is `{id}`; its shape is all the schema checks). */
const PARENT_FIELD = {
  routes: 'service',
  plugins: 'route',
  'key-auths': 'consumer',
  acls: 'consumer',
} as const;

describe('desiredKongState against the Kong 3.9.1 schemas', () => {
  it.each([
    ['a project with CORS origins', projectInput('acme')],
    ['a project allowing any origin', projectInput('blog', { corsOrigins: [], subdomain: 'news' })],
    [
      'a project with several origins',
      projectInput('shop', { corsOrigins: ['https://a.test', 'http://b.test:8080'] }),
    ],
  ])('when the layout of %s is built, then every entity validates', (_name, input) => {
    const state = desiredKongState(input);
    let checked = 0;
    for (const kind of KONG_KINDS) {
      for (const entity of state[kind]) {
        const body: Record<string, unknown> = { ...(entity.body as unknown as Record<string, unknown>) };
        if (kind === 'key-auths') body.key = (entity.body as { key: { reveal(): string } }).key.reveal();
        const parentField = (PARENT_FIELD as Record<string, string>)[kind];
        if (parentField !== undefined) body[parentField] = { id: nameUuid(`parent/${entity.parent}`) };
        const { errors } = validateEntity(kind, body);
        expect(errors, `${kind} ${entity.key}`).toEqual({});
        checked++;
      }
    }
    expect(checked).toBe(KONG_KINDS.reduce((n, k) => n + state[k].length, 0));
  });
});
