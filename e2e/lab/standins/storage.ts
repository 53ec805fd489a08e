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

/** A Storage error: the fields of its `StorageBackendError` (supabase/storage v1.44.2 src/internal/errors/codes.ts). */
export interface StorageErr {
  readonly statusCode: number;
  readonly code: string;
  /** Absent: the code stands in for it. */
  readonly error?: string;
  readonly message: string;
}

/** The errors the stand-in answers, as codes.ts (v1.44.2) defines them. */
export const STORAGE_ERRORS = {
  /** codes.ts:103-110 */
  noSuchBucket: {
    statusCode: 404,
    code: 'NoSuchBucket',
    error: 'Bucket not found',
    message: 'Bucket not found',
  },
  /** codes.ts:120-127 */
  noSuchKey: { statusCode: 404, code: 'NoSuchKey', error: 'not_found', message: 'Object not found' },
  /** codes.ts:169-176 */
  exists: {
    statusCode: 409,
    code: 'ResourceAlreadyExists',
    error: 'Duplicate',
    message: 'The resource already exists',
  },
  /** codes.ts:296-304 */
  invalidBucketName: {
    statusCode: 400,
    code: 'InvalidBucketName',
    error: 'Invalid Input',
    message: 'Bucket name invalid',
  },
  /** codes.ts:59-66 */
  bucketNotEmpty: {
    statusCode: 409,
    code: 'ResourceNotEmpty',
    message: 'The bucket you tried to delete is not empty',
  },
  /** codes.ts:351-357 (uploader.ts:350-351: a form without a file) */
  noContent: { statusCode: 400, code: 'InvalidRequest', message: 'No content provided' },
} satisfies Record<string, StorageErr>;

/** codes.ts:160-167: what the JWT plugin throws for a bad token (src/http/plugins/jwt.ts:66) and RLS refuses. */
export function accessDenied(message: string): StorageErr {
  return { statusCode: 403, code: 'AccessDenied', error: 'Unauthorized', message };
}

/**
 * How Storage v1.44.2 answers an error: HTTP 400 (500 for a 500) with the real status in the
 * body's `statusCode`, and `error` defaulting to the code (src/internal/errors/storage-error.ts:21,77-84;
 * src/http/error-handler.ts:48-75).
 */
export function storageErrorAnswer(e: StorageErr): { status: number; body: Record<string, string> } {
  return {
    status: e.statusCode === 500 ? 500 : 400,
    body: { statusCode: String(e.statusCode), code: e.code, error: e.error ?? e.code, message: e.message },
  };
}

function fail(res: ServerResponse, e: StorageErr): void {
  const { status, body } = storageErrorAnswer(e);
  sendJson(res, status, body);
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
    // Fastify's schema check of the headers, answered as error-handler.ts:78-99 does.
    if (!token)
      return sendJson(res, 400, {
        statusCode: '400',
        error: 'Error',
        code: 'InternalError',
        message: "headers must have required property 'authorization'",
      });
    if (!claims) return fail(res, accessDenied('invalid signature'));
    if (claims.role !== 'service_role') {
      return fail(res, accessDenied('new row violates row-level security policy'));
    }
    if (method === 'POST' && path === '/bucket') {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as {
        id?: string;
        name?: string;
        public?: boolean;
      };
      const id = body.id ?? body.name ?? '';
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id)) return fail(res, STORAGE_ERRORS.invalidBucketName);
      if (buckets.has(id)) return fail(res, STORAGE_ERRORS.exists);
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
      if (!bucket) return fail(res, STORAGE_ERRORS.noSuchBucket);
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
        if (bucket.objects.size > 0) return fail(res, STORAGE_ERRORS.bucketNotEmpty);
        buckets.delete(bucket.id);
        return sendJson(res, 200, { message: 'Successfully deleted' });
      }
    }
    const object = /^\/object\/(?:authenticated\/)?([^/]+)(?:\/(.+))?$/.exec(path);
    if (object) {
      const bucket = buckets.get(decodeURIComponent(object[1]!));
      if (!bucket) return fail(res, STORAGE_ERRORS.noSuchBucket);
      const name = object[2] ? decodeURIComponent(object[2]) : undefined;
      if (name !== undefined && (method === 'POST' || method === 'PUT')) {
        const exists = bucket.objects.get(name);
        const upsert = method === 'PUT' || req.headers['x-upsert'] === 'true';
        if (method === 'PUT' && !exists) return fail(res, STORAGE_ERRORS.noSuchKey);
        if (exists && !upsert) return fail(res, STORAGE_ERRORS.exists);
        const body = await readBody(req);
        const type = String(req.headers['content-type'] ?? 'application/octet-stream');
        const file = type.startsWith('multipart/form-data')
          ? multipartFile(body, type)
          : { bytes: body, type };
        if (!file) return fail(res, STORAGE_ERRORS.noContent);
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
        if (!o) return fail(res, STORAGE_ERRORS.noSuchKey);
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
    // Not checked against Storage (its router's 404 is not modelled).
    sendJson(res, 404, { statusCode: '404', error: 'not_found', message: 'Route not found' });
  };
}
