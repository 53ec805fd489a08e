/**
 * `supafleet smoke`: one pass over a project's public API with the official
 * client, as an app would use it. Every step is timed; a failed step names the
 * layer it stopped at; what the smoke created is removed at the end, whatever
 * failed. It keeps two things of its own between runs: the table
 * `supafleet.smoke` (created through postgres-meta on the first run) and the
 * private bucket `supafleet-smoke`.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { describeResponse, layerOfError, layerOfResponse } from './layer.ts';
import { createTransport, type SmokeTransport } from './transport.ts';
import type { SmokeLayer, SmokeOptions, SmokeReport, SmokeStep } from './types.ts';

/** The smoke's schema and table, exposed to PostgREST (PGRST_DB_SCHEMAS) and granted to service_role only. */
export const SMOKE_SCHEMA = 'supafleet';
export const SMOKE_TABLE = 'smoke';
export const SMOKE_BUCKET = 'supafleet-smoke';
/** The Edge Function every worker's bundle ships (cloud-init/worker/static). */
export const HEALTH_FUNCTION = 'supafleet-health';

/** Idempotent DDL run through postgres-meta's /query (it connects as supabase_admin). */
export const SMOKE_TABLE_SQL = [
  `create schema if not exists ${SMOKE_SCHEMA}`,
  `create table if not exists ${SMOKE_SCHEMA}.${SMOKE_TABLE} (id uuid primary key default gen_random_uuid(), note text not null, created_at timestamptz not null default now())`,
  `grant usage on schema ${SMOKE_SCHEMA} to service_role`,
  `grant select, insert, delete on ${SMOKE_SCHEMA}.${SMOKE_TABLE} to service_role`,
  // PostgREST reads its schema cache again (PGRST_DB_CHANNEL_ENABLED, on by default)
  `notify pgrst, 'reload schema'`,
].join(';\n');

/** A step failure with its layer already known. */
class StepError extends Error {
  constructor(
    readonly layer: SmokeLayer,
    message: string,
  ) {
    super(message);
  }
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function runSmoke(o: SmokeOptions): Promise<SmokeReport> {
  const now = o.now ?? Date.now;
  const hex = o.randomHex ?? ((n: number) => randomBytes(n).toString('hex'));
  const stepMs = o.stepTimeoutMs ?? 15_000;
  const url = o.target.url.replace(/\/+$/, '');
  const transport = createTransport({
    ...(o.resolve ? { resolve: o.resolve } : {}),
    ...(o.ca ? { ca: o.ca } : {}),
    timeoutMs: stepMs,
  });
  const started = now();
  const steps: SmokeStep[] = [];
  const clientOptions = {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: transport.fetch },
    // the WHATWG WebSocket shape realtime-js expects (its type names a narrower onerror)
    realtime: { transport: transport.WebSocket as never, timeout: stepMs },
  };
  const admin = createClient(url, o.target.serviceRoleKey, clientOptions);
  const user = createClient(url, o.target.anonKey, clientOptions);

  /** Runs one step; false when it failed or was skipped. */
  const step = async (name: string, fn: () => Promise<void>, skipBecause?: string): Promise<boolean> => {
    if (skipBecause !== undefined) {
      steps.push({ name, outcome: 'skipped', ms: 0, detail: skipBecause });
      return false;
    }
    transport.mark();
    const t0 = now();
    try {
      await timeout(fn(), stepMs, name);
      steps.push({ name, outcome: 'ok', ms: now() - t0 });
      return true;
    } catch (err) {
      const { layer, detail } = classify(err, transport);
      steps.push({ name, outcome: 'failed', ms: now() - t0, layer, detail });
      return false;
    }
  };
  /** A supabase-js `{error}` as a step failure, its layer from the answer the transport saw. */
  const check = (error: { message: string } | null | undefined, what: string): void => {
    if (error) throw new Error(`${what}: ${error.message}`);
  };

  const email = `supafleet-smoke-${hex(6)}@example.com`;
  const password = hex(16);
  const note = `supafleet smoke ${hex(4)}`;
  const objectPath = `smoke/${hex(6)}.txt`;
  const objectBody = `supafleet smoke ${hex(8)}\n`;
  let userId: string | undefined;
  let rowId: string | undefined;
  let uploaded = false;

  try {
    // auth: a user through the admin API, then a password sign-in as that user
    const created = await step('auth: create user', async () => {
      const { data, error } = await admin.auth.admin.createUser({ email, password, email_confirm: true });
      check(error, 'createUser');
      userId = data.user?.id;
      if (!userId) throw new StepError('check', 'createUser answered without a user id');
    });
    await step(
      'auth: sign in with password',
      async () => {
        const { data, error } = await user.auth.signInWithPassword({ email, password });
        check(error, 'signInWithPassword');
        if (data.user?.id !== userId || !data.session?.access_token) {
          throw new StepError('check', 'the sign-in answered another user or no session');
        }
      },
      created ? undefined : 'no user was created',
    );

    // rest: a row in supafleet.smoke, written, read and deleted through PostgREST
    const table = await step('rest: ensure supafleet.smoke (postgres-meta)', async () => {
      const res = await transport.fetch(`${url}/pg/query`, {
        method: 'POST',
        headers: {
          apikey: o.target.serviceRoleKey,
          authorization: `Bearer ${o.target.serviceRoleKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ query: SMOKE_TABLE_SQL }),
      });
      const text = await res.text();
      if (!res.ok)
        throw new Error(
          `/pg/query: ${describeResponse(transport.seen().response ?? { status: res.status }, text)}`,
        );
    });
    const inserted = await step(
      'rest: insert',
      async () => {
        // PostgREST may still be reloading its schema cache after the first run's DDL
        for (let i = 0; ; i++) {
          const { data, error } = await admin
            .schema(SMOKE_SCHEMA)
            .from(SMOKE_TABLE)
            .insert({ note })
            .select('id, note')
            .single();
          if (error && (error.code === 'PGRST205' || error.code === 'PGRST106') && i < 20) {
            await new Promise((r) => setTimeout(r, 250));
            continue;
          }
          check(error, 'insert');
          rowId = (data as { id?: string } | null)?.id;
          if (!rowId) throw new StepError('check', 'insert answered without the new row');
          return;
        }
      },
      table ? undefined : 'the table could not be ensured',
    );
    await step(
      'rest: select',
      async () => {
        const { data, error } = await admin
          .schema(SMOKE_SCHEMA)
          .from(SMOKE_TABLE)
          .select('id, note')
          .eq('id', rowId!)
          .single();
        check(error, 'select');
        if ((data as { note?: string } | null)?.note !== note)
          throw new StepError('check', 'select answered another row');
      },
      inserted ? undefined : 'no row was inserted',
    );
    await step(
      'rest: delete',
      async () => {
        const { data, error } = await admin
          .schema(SMOKE_SCHEMA)
          .from(SMOKE_TABLE)
          .delete()
          .eq('id', rowId!)
          .select('id');
        check(error, 'delete');
        if ((data ?? []).length !== 1)
          throw new StepError('check', `delete removed ${(data ?? []).length} rows; expected 1`);
        rowId = undefined;
      },
      inserted ? undefined : 'no row was inserted',
    );

    // storage: an object in the supafleet-smoke bucket, uploaded, downloaded and removed
    const stored = await step('storage: upload', async () => {
      const bucket = await admin.storage.getBucket(SMOKE_BUCKET);
      if (bucket.error) {
        const made = await admin.storage.createBucket(SMOKE_BUCKET, { public: false });
        // a concurrent run may have created it in between
        if (made.error && !/exist/i.test(made.error.message)) check(made.error, 'createBucket');
      }
      const { error } = await admin.storage
        .from(SMOKE_BUCKET)
        .upload(objectPath, new TextEncoder().encode(objectBody), {
          contentType: 'text/plain',
          upsert: false,
        });
      check(error, 'upload');
      uploaded = true;
    });
    await step(
      'storage: download',
      async () => {
        const { data, error } = await admin.storage.from(SMOKE_BUCKET).download(objectPath);
        check(error, 'download');
        if ((await data!.text()) !== objectBody)
          throw new StepError('check', 'the download differs from the upload');
      },
      stored ? undefined : 'nothing was uploaded',
    );
    await step(
      'storage: remove',
      async () => {
        const { data, error } = await admin.storage.from(SMOKE_BUCKET).remove([objectPath]);
        check(error, 'remove');
        if ((data ?? []).length !== 1) throw new StepError('check', 'remove removed no object');
        uploaded = false;
      },
      stored ? undefined : 'nothing was uploaded',
    );

    await step('realtime: broadcast round trip', () =>
      broadcastRoundTrip(user, hex(6), stepMs, transport, url, o.target.anonKey),
    );

    await step('functions: invoke supafleet-health', async () => {
      const { data, error } = await user.functions.invoke(HEALTH_FUNCTION, { body: { smoke: true } });
      check(error, `invoke ${HEALTH_FUNCTION}`);
      if ((data as { ok?: unknown } | null)?.ok !== true)
        throw new StepError('check', `${HEALTH_FUNCTION} did not answer {"ok": true}`);
    });
  } finally {
    // cleanup: whatever a failed step left behind
    if (rowId) {
      const id = rowId;
      await step('cleanup: delete the row', async () => {
        const { error } = await admin.schema(SMOKE_SCHEMA).from(SMOKE_TABLE).delete().eq('id', id);
        check(error, 'delete');
      });
    }
    if (uploaded) {
      await step('cleanup: remove the object', async () => {
        const { error } = await admin.storage.from(SMOKE_BUCKET).remove([objectPath]);
        check(error, 'remove');
      });
    }
    if (userId) {
      const id = userId;
      await step('auth: delete user', async () => {
        const { error } = await admin.auth.admin.deleteUser(id);
        check(error, 'deleteUser');
      });
    }
    await Promise.allSettled([admin.removeAllChannels(), user.removeAllChannels()]);
    admin.realtime.disconnect();
    user.realtime.disconnect();
    await transport.close().catch(() => undefined);
  }
  return {
    project: o.project,
    url,
    ok: steps.every((s) => s.outcome === 'ok'),
    ms: now() - started,
    steps,
  };
}

/** Joins a channel with self-broadcast and ack on, sends one message, and waits for it to come back. */
async function broadcastRoundTrip(
  client: SupabaseClient,
  suffix: string,
  timeoutMs: number,
  transport: SmokeTransport,
  url: string,
  anonKey: string,
): Promise<void> {
  const nonce = `smoke-${suffix}`;
  const channel = client.channel(`supafleet-smoke-${suffix}`, {
    config: { broadcast: { self: true, ack: true } },
  });
  const received = new Promise<unknown>((resolve) =>
    channel.on('broadcast', { event: 'smoke' }, (msg: { payload?: unknown }) => resolve(msg.payload)),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      channel.subscribe((status, err) => {
        if (status === 'SUBSCRIBED') resolve();
        else if (status !== 'CLOSED' || err) reject(err ?? new Error(`the channel is ${status}`));
      }, timeoutMs);
    }).catch(async (err: Error) => {
      // the WebSocket hides its handshake answer: ask the same URL over HTTP to see who refused it
      await transport
        .fetch(`${url}/realtime/v1/websocket?apikey=${encodeURIComponent(anonKey)}&vsn=2.0.0`)
        .then((r) => r.body?.cancel())
        .catch(() => undefined);
      throw new Error(`subscribe: ${err.message}`);
    });
    const ack = await channel.send({ type: 'broadcast', event: 'smoke', payload: { nonce } });
    if (ack !== 'ok') throw new Error(`send: the server answered ${ack}`);
    const payload = (await received) as { nonce?: string } | undefined;
    if (payload?.nonce !== nonce)
      throw new StepError('check', 'the broadcast came back with another payload');
  } finally {
    await client.removeChannel(channel).catch(() => undefined);
  }
}

/** The layer and a secret-free reason for a failed step. */
function classify(err: unknown, transport: SmokeTransport): { layer: SmokeLayer; detail: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof StepError) return { layer: err.layer, detail: message };
  const seen = transport.seen();
  if (seen.response && seen.response.status >= 400) {
    return { layer: layerOfResponse(seen.response), detail: `${message} (HTTP ${seen.response.status})` };
  }
  if (seen.error !== undefined) {
    const cause = (seen.error as { cause?: { message?: string } }).cause?.message;
    return { layer: layerOfError(seen.error), detail: cause ? `${message}: ${cause}` : message };
  }
  return { layer: seen.response ? 'check' : 'worker-service', detail: message };
}
