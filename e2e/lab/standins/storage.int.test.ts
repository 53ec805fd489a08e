import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandinConfig } from './config.ts';
import { signJwt } from './jwt.ts';
import { createStorageHandler } from './storage.ts';

/**
 * The storage stand-in's error answers against Supabase Storage v1.44.2: HTTP 400 with the real
 * status in `statusCode`, and `code` beside `error` (src/internal/errors/storage-error.ts:77-84,
 * src/http/error-handler.ts:48-75, the errors of src/internal/errors/codes.ts).
 */
const SECRET = 'storage-standin-test-secret-at-least-32-chars';
let server: Server;
let base: string;

beforeAll(async () => {
  const handler = createStorageHandler({ project: 'acme', revision: 1, jwtSecret: SECRET } as StandinConfig);
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const as = (role: string) => ({ authorization: `Bearer ${signJwt({ role }, SECRET)}` });

describe('storage stand-in errors', () => {
  it('when a bucket is missing, then 400 {statusCode: "404", code: NoSuchBucket, error: "Bucket not found"}', async () => {
    const r = await fetch(`${base}/bucket/nope`, { headers: as('service_role') });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      statusCode: '404',
      code: 'NoSuchBucket',
      error: 'Bucket not found',
      message: 'Bucket not found',
    });
  });

  it('when the token is not signed with the secret, then 400 {statusCode: "403", code: AccessDenied, error: Unauthorized}', async () => {
    const r = await fetch(`${base}/bucket/nope`, {
      headers: {
        authorization: `Bearer ${signJwt({ role: 'service_role' }, 'another-secret-of-at-least-32-characters')}`,
      },
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ statusCode: '403', code: 'AccessDenied', error: 'Unauthorized' });
  });

  it('when a bucket is created twice or named badly, then Duplicate (409) and Invalid Input (400) with their codes', async () => {
    const create = (id: string) =>
      fetch(`${base}/bucket`, {
        method: 'POST',
        headers: { ...as('service_role'), 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      });
    expect((await create('b1')).status).toBe(200);
    expect(await (await create('b1')).json()).toEqual({
      statusCode: '409',
      code: 'ResourceAlreadyExists',
      error: 'Duplicate',
      message: 'The resource already exists',
    });
    expect(await (await create('bad name!')).json()).toEqual({
      statusCode: '400',
      code: 'InvalidBucketName',
      error: 'Invalid Input',
      message: 'Bucket name invalid',
    });
  });

  it('when a bucket that holds objects is deleted, then 409 ResourceNotEmpty, with the code as error', async () => {
    await fetch(`${base}/bucket`, {
      method: 'POST',
      headers: { ...as('service_role'), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'full' }),
    });
    await fetch(`${base}/object/full/a.txt`, {
      method: 'POST',
      headers: { ...as('service_role'), 'content-type': 'text/plain' },
      body: 'x',
    });
    const r = await fetch(`${base}/bucket/full`, { method: 'DELETE', headers: as('service_role') });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      statusCode: '409',
      code: 'ResourceNotEmpty',
      error: 'ResourceNotEmpty',
      message: 'The bucket you tried to delete is not empty',
    });
  });
});
