/**
 * The `realtime` stand-in: the Phoenix channel protocol as @supabase/realtime-js
 * speaks it to Supabase Realtime, for broadcast (join, broadcast to the channel's
 * members with `self` and `ack`, heartbeat, access_token, leave), over serializer
 * 1.0.0 (JSON objects) and 2.0.0 (JSON arrays, binary user broadcasts). The tenant
 * comes from the first label of the Host header, as Realtime takes it; the only
 * tenant is `realtime-dev` (SEED_SELF_HOST). See README.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StandinConfig } from './config.ts';
import { sendJson } from './http.ts';
import { verifyJwt } from './jwt.ts';
import { acceptWebSocket, type WsConnection } from './websocket.ts';

export const TENANT = 'realtime-dev';

interface Message {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

interface Member {
  conn: WsConnection;
  vsn: string;
  joinRef: string | null;
  self: boolean;
}

/** The tenant Realtime reads from a Host header: its first label (supabase/realtime v2.78.15 lib/realtime/database.ex:289-294, get_external_id). */
export function tenantOf(host: string | undefined): string {
  return (host ?? '').split(':')[0]!.split('.')[0]!;
}

/** Decodes a 2.0.0 binary user broadcast push (kind 3), as realtime-js's serializer encodes it. */
export function decodeBroadcastPush(b: Buffer): Message | undefined {
  if (b.length < 7 || b[0] !== 3) return undefined;
  const [joinRefLen, refLen, topicLen, eventLen, metaLen, encoding] = [
    b[1]!,
    b[2]!,
    b[3]!,
    b[4]!,
    b[5]!,
    b[6]!,
  ];
  let at = 7;
  const take = (n: number) => {
    const s = b.subarray(at, at + n).toString('utf8');
    at += n;
    return s;
  };
  const joinRef = take(joinRefLen);
  const ref = take(refLen);
  const topic = take(topicLen);
  const event = take(eventLen);
  const meta = take(metaLen);
  const rest = b.subarray(at);
  const payload = encoding === 1 ? (JSON.parse(rest.toString('utf8')) as unknown) : rest.toString('base64');
  return {
    join_ref: joinRef || null,
    ref: ref || null,
    topic,
    event: 'broadcast',
    payload: { type: 'broadcast', event, payload, ...(meta ? { meta: JSON.parse(meta) as unknown } : {}) },
  };
}

/** Encodes a user broadcast (kind 4) for a 2.0.0 client. */
export function encodeBroadcast(topic: string, event: string, payload: unknown): Buffer {
  const t = Buffer.from(topic);
  const e = Buffer.from(event);
  const p = Buffer.from(JSON.stringify(payload ?? {}));
  return Buffer.concat([Buffer.from([4, t.length, e.length, 0, 1]), t, e, p]);
}

export function createRealtime(config: StandinConfig): {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
} {
  const channels = new Map<string, Set<Member>>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://realtime');
    const health = /^\/api\/tenants\/([^/]+)\/health$/.exec(url.pathname);
    if (req.method === 'GET' && health) {
      if (health[1] !== TENANT) return sendJson(res, 404, { message: 'Tenant not found' });
      return sendJson(res, 200, {
        healthy: true,
        db_connected: false,
        connected_cluster: 1,
        region: 'lab',
        node: 'stand-in',
      });
    }
    if (req.method === 'GET' && url.pathname === '/') {
      return sendJson(res, 200, {
        service: 'realtime',
        project: config.project,
        revision: config.revision,
        stand_in: true,
      });
    }
    sendJson(res, 404, { message: 'Not found' });
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://realtime');
    const refuse = (status: number, text: string) =>
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    if (url.pathname !== '/socket/websocket') return refuse(404, 'Not Found');
    if (tenantOf(req.headers.host) !== TENANT) return refuse(403, 'Forbidden');
    const apiKey = String(req.headers['x-api-key'] ?? url.searchParams.get('apikey') ?? '');
    if (!verifyJwt(apiKey, config.jwtSecret)) return refuse(403, 'Forbidden');
    const vsn = url.searchParams.get('vsn') ?? '1.0.0';
    if (vsn !== '1.0.0' && vsn !== '2.0.0') return refuse(400, 'Bad Request');
    const conn = acceptWebSocket(req, socket, head);
    if (!conn) return;
    const joined = new Map<string, Member>();
    const send = (m: Message): void =>
      conn.send(JSON.stringify(vsn === '1.0.0' ? m : [m.join_ref, m.ref, m.topic, m.event, m.payload]));
    const reply = (m: Message, status: 'ok' | 'error', response: Record<string, unknown> = {}): void =>
      send({
        join_ref: m.join_ref,
        ref: m.ref,
        topic: m.topic,
        event: 'phx_reply',
        payload: { status, response },
      });

    const onMessage = (m: Message): void => {
      if (m.topic === 'phoenix' && m.event === 'heartbeat') return reply(m, 'ok');
      if (m.event === 'phx_join') {
        const token = m.payload.access_token;
        if (token !== undefined && !verifyJwt(String(token), config.jwtSecret)) {
          return reply(m, 'error', { reason: 'Invalid token' });
        }
        const cfg = (m.payload.config ?? {}) as { broadcast?: { self?: boolean } };
        const member: Member = {
          conn,
          vsn,
          joinRef: m.join_ref ?? m.ref,
          self: cfg.broadcast?.self === true,
        };
        joined.set(m.topic, member);
        let set = channels.get(m.topic);
        if (!set) channels.set(m.topic, (set = new Set()));
        set.add(member);
        return reply(m, 'ok', { postgres_changes: [] });
      }
      const member = joined.get(m.topic);
      if (!member) {
        return send({
          join_ref: m.join_ref,
          ref: m.ref,
          topic: m.topic,
          event: 'phx_reply',
          payload: { status: 'error', response: { reason: 'unmatched topic' } },
        });
      }
      if (m.event === 'phx_leave') {
        channels.get(m.topic)?.delete(member);
        joined.delete(m.topic);
        reply(m, 'ok');
        return send({
          join_ref: member.joinRef,
          ref: m.ref,
          topic: m.topic,
          event: 'phx_close',
          payload: {},
        });
      }
      if (m.event === 'access_token') return;
      if (m.event === 'broadcast') {
        const p = m.payload as { event?: string; payload?: unknown };
        for (const other of channels.get(m.topic) ?? []) {
          if (other === member && !member.self) continue;
          if (other.vsn === '2.0.0')
            other.conn.sendBinary(encodeBroadcast(m.topic, String(p.event ?? ''), p.payload));
          else
            other.conn.send(
              JSON.stringify({
                join_ref: null,
                ref: null,
                topic: m.topic,
                event: 'broadcast',
                payload: { type: 'broadcast', event: p.event, payload: p.payload },
              }),
            );
        }
        if (m.ref) reply(m, 'ok');
        return;
      }
      if (m.event === 'presence') return reply(m, 'ok');
      reply(m, 'error', { reason: `unknown event ${m.event}` });
    };

    conn.onMessage((data) => {
      try {
        if (typeof data !== 'string') {
          const m = decodeBroadcastPush(data);
          if (m) onMessage(m);
          return;
        }
        const raw = JSON.parse(data) as unknown;
        if (Array.isArray(raw)) {
          const [join_ref, ref, topic, event, payload] = raw as [
            string | null,
            string | null,
            string,
            string,
            Record<string, unknown>,
          ];
          onMessage({ join_ref, ref, topic, event, payload: payload ?? {} });
        } else {
          const o = raw as Message;
          onMessage({
            join_ref: o.join_ref ?? null,
            ref: o.ref ?? null,
            topic: o.topic,
            event: o.event,
            payload: o.payload ?? {},
          });
        }
      } catch {
        conn.close(1003);
      }
    });
    conn.onClose(() => {
      for (const [topic, member] of joined) channels.get(topic)?.delete(member);
      joined.clear();
    });
  };
  return { handle, upgrade };
}
