import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongAdminClient } from '../../master/src/kong/client.ts';
import type { StartedFakeKong } from './fake.ts';
import { isMutating, startFakeKong } from './fake.ts';
import { reconcileProject, removeProject } from '../../master/src/kong/reconcile.ts';
import { projectInput } from '../../master/src/kong/test/fixtures.ts';

describe('fake Kong over HTTP on loopback', () => {
  let kong: StartedFakeKong;
  beforeAll(async () => {
    kong = await startFakeKong({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    await kong?.close();
  });

  it('when the reconciler talks to it over HTTP, then a project is created, then a no-op makes zero mutating calls, then removal empties it', async () => {
    expect(kong.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createKongAdminClient({ baseUrl: kong.url });
    const acme = projectInput('acme');
    const first = await reconcileProject(client, acme);
    expect(first.created).toBeGreaterThan(0);
    kong.resetCalls();
    const again = await reconcileProject(client, acme);
    expect(again.calls.mutate).toBe(0);
    expect(kong.calls().filter(isMutating)).toEqual([]);
    await removeProject(client, 'acme');
    expect(Object.values(kong.state()).every((list) => list.length === 0)).toBe(true);
  });

  it("when Kong answers 404 or 400 over HTTP, then the bodies are Kong's", async () => {
    const notFound = await fetch(`${kong.url}/services/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ message: 'Not found' });
    const bad = await fetch(`${kong.url}/services`, {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    const root = await fetch(kong.url);
    expect(await root.json()).toMatchObject({ version: expect.stringMatching(/^3\.9\./) });
  });
});
