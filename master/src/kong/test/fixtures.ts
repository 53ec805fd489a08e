import { randomBytes } from 'node:crypto';
import { Secret } from '../../../../core/seal/secret.ts';
import { createKongAdminClient } from '../client.ts';
import type { KongAdminClient } from '../client.ts';
import type { KongProjectInput } from '../desired.ts';
import type { FakeKong } from '../../../../fakes/kong/fake.ts';
import { createFakeKong, FAKE_KONG_URL } from '../../../../fakes/kong/fake.ts';

/** A project input with fresh random keys (shaped like JWTs) so tests can search outputs for them. */
export function projectInput(name: string, overrides: Partial<KongProjectInput> = {}): KongProjectInput {
  const jwt = (role: string): string =>
    `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ role, n: randomBytes(8).toString('hex') })).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  return {
    name,
    subdomain: name,
    domain: 'example.test',
    upstreamHost: '10.100.0.2',
    anonKey: new Secret(jwt('anon')),
    serviceRoleKey: new Secret(jwt('service_role')),
    corsOrigins: [`https://${name}.app.test`],
    ...overrides,
  };
}

/** Every secret value of the inputs, for leak checks. */
export function secretsOf(ps: readonly KongProjectInput[]): string[] {
  return ps.flatMap((p) => [p.anonKey.reveal(), p.serviceRoleKey.reveal()]);
}

/** An in-memory fake Kong and a client wired to it. */
export function fakeKongWithClient(pageSize?: number): { fake: FakeKong; client: KongAdminClient } {
  const fake = createFakeKong();
  const client = createKongAdminClient({
    baseUrl: FAKE_KONG_URL,
    fetch: fake.fetch,
    ...(pageSize ? { pageSize } : {}),
  });
  return { fake, client };
}

/** Sends one raw Admin API call to the fake, the way an operator would drift it by hand. */
export async function adminCall(
  fake: FakeKong,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fake.fetch(FAKE_KONG_URL + path, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}
