/**
 * The `storage` stand-in: the subset of Supabase Storage (supabase/storage) that
 * @supabase/storage-js uses for buckets and objects. Objects live in memory; only
 * the service role passes (the lab has no RLS policies on storage.objects, where
 * upstream refuses every other role by default: RLS is enabled with no policy,
 * supabase/storage@610b4f305c81 migrations/tenant/0002-storage-schema.sql:71, and
 * service_role has BYPASSRLS, :23). See README.md.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StandinConfig } from './config.ts';
import { bearer, readBody, sendJson } from './http.ts';
import { verifyJwt } from './jwt.ts';

interface StoredObject {
  id: string;
  bytes: Buffer;
  contentType: string;
  cacheControl: string;
  createdAt: string;
}
interface Bucket {
  id: string;
  public: boolean;
  createdAt: string;
  objects: Map<string, StoredObject>;
}

/** Storage's error body (supabase/storage src/internal/errors/codes.ts): `{statusCode, error, message}`. */
function fail(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  statusCode = String(status),
): void {
  sendJson(res, status, { statusCode, error, message });
}

/** The file part of a multipart/form-data body (storage-js sends Blobs as the part named ""). */
export function multipartFile(
  body: Buffer,
  contentType: string,
): { bytes: Buffer; type: string } | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  for (let i = 0; at >= 0 && i < 64; i++) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(at + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    if (/filename=/i.test(head) || /name=""/.test(head)) {
      return {
        bytes: Buffer.from(part.subarray(split + 4)),
        type: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream',
      };
    }
    at = next;
  }
  return undefined;
}

export function createStorageHandler(
  config: StandinConfig,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const buckets = new Map<string, Bucket>();
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://storage');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'GET' && path === '/status') return sendJson(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/') {
      return sendJson(res, 200, {
        service: 'storage',
        project: config.project,
        revision: config.revision,
        stand_in: true,
      });
    }
    const token = bearer(req);
    const claims = verifyJwt(token, config.jwtSecret);
    if (!token) return fail(res, 400, 'Error', "headers must have required property 'authorization'");
    if (!claims) return fail(res, 400, 'InvalidJWT', 'invalid signature', '403');
    if (claims.role !== 'service_role') {
      return fail(res, 400, 'Unauthorized', 'new row violates row-level security policy', '403');
    }
    if (method === 'POST' && path === '/bucket') {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as {
        id?: string;
        name?: string;
        public?: boolean;
      };
      const id = body.id ?? body.name ?? '';
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id))
        return fail(res, 400, 'InvalidBucketName', `Bucket name invalid`);
      if (buckets.has(id)) return fail(res, 400, 'Duplicate', 'The resource already exists', '409');
      buckets.set(id, {
        id,
        public: body.public === true,
        createdAt: new Date().toISOString(),
        objects: new Map(),
      });
      return sendJson(res, 200, { name: id });
    }
    const bucketPath = /^\/bucket\/([^/]+)(\/empty)?$/.exec(path);
    if (bucketPath) {
      const bucket = buckets.get(decodeURIComponent(bucketPath[1]!));
      if (!bucket) return fail(res, 400, 'Bucket not found', 'Bucket not found', '404');
      if (method === 'GET' && !bucketPath[2]) {
        return sendJson(res, 200, {
          id: bucket.id,
          name: bucket.id,
          public: bucket.public,
          created_at: bucket.createdAt,
          updated_at: bucket.createdAt,
          file_size_limit: null,
          allowed_mime_types: null,
        });
      }
      if (method === 'POST' && bucketPath[2]) {
        bucket.objects.clear();
        return sendJson(res, 200, { message: 'Successfully emptied' });
      }
      if (method === 'DELETE' && !bucketPath[2]) {
        if (bucket.objects.size > 0)
          return fail(res, 400, 'InvalidRequest', 'The bucket you tried to delete is not empty', '409');
        buckets.delete(bucket.id);
        return sendJson(res, 200, { message: 'Successfully deleted' });
      }
    }
    const object = /^\/object\/(?:authenticated\/)?([^/]+)(?:\/(.+))?$/.exec(path);
    if (object) {
      const bucket = buckets.get(decodeURIComponent(object[1]!));
      if (!bucket) return fail(res, 400, 'Bucket not found', 'Bucket not found', '404');
      const name = object[2] ? decodeURIComponent(object[2]) : undefined;
      if (name !== undefined && (method === 'POST' || method === 'PUT')) {
        const exists = bucket.objects.get(name);
        const upsert = method === 'PUT' || req.headers['x-upsert'] === 'true';
        if (method === 'PUT' && !exists) return fail(res, 400, 'not_found', 'Object not found', '404');
        if (exists && !upsert) return fail(res, 400, 'Duplicate', 'The resource already exists', '409');
        const body = await readBody(req);
        const type = String(req.headers['content-type'] ?? 'application/octet-stream');
        const file = type.startsWith('multipart/form-data')
          ? multipartFile(body, type)
          : { bytes: body, type };
        if (!file) return fail(res, 400, 'InvalidRequest', 'no file part in the form');
        const stored: StoredObject = {
          id: exists?.id ?? randomUUID(),
          bytes: file.bytes,
          contentType: file.type,
          cacheControl: String(req.headers['cache-control'] ?? 'no-cache'),
          createdAt: new Date().toISOString(),
        };
        bucket.objects.set(name, stored);
        return sendJson(res, 200, { Id: stored.id, Key: `${bucket.id}/${name}` });
      }
      if (name !== undefined && method === 'GET') {
        const o = bucket.objects.get(name);
        if (!o) return fail(res, 400, 'not_found', 'Object not found', '404');
        res.writeHead(200, {
          'content-type': o.contentType,
          'content-length': String(o.bytes.length),
          'cache-control': o.cacheControl,
        });
        return void res.end(o.bytes);
      }
      if (name === undefined && method === 'DELETE') {
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { prefixes?: string[] };
        const removed = [];
        for (const p of body.prefixes ?? []) {
          const o = bucket.objects.get(p);
          if (!o) continue;
          bucket.objects.delete(p);
          removed.push({
            name: p,
            bucket_id: bucket.id,
            id: o.id,
            created_at: o.createdAt,
            updated_at: o.createdAt,
            metadata: { size: o.bytes.length, mimetype: o.contentType },
          });
        }
        return sendJson(res, 200, removed);
      }
    }
    fail(res, 404, 'not_found', 'Route not found');
  };
}
