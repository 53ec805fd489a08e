/**
 * A minimal WebSocket server side (RFC 6455) on a socket Node's HTTP server hands
 * over on `upgrade`: the handshake, masked client frames (text, binary, ping,
 * close, continuation), unmasked server frames. Enough for Phoenix channels.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 1024 * 1024;

export interface WsConnection {
  send(text: string): void;
  sendBinary(data: Buffer): void;
  close(code?: number): void;
  onMessage(handler: (data: string | Buffer) => void): void;
  onClose(handler: () => void): void;
}

/** Answers the upgrade with 101 and returns the connection (400 and undefined for a request that is no WebSocket handshake). */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): WsConnection | undefined {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    return undefined;
  }
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`,
  );
  const messageHandlers: ((d: string | Buffer) => void)[] = [];
  const closeHandlers: (() => void)[] = [];
  let closed = false;
  let buffer = head.length ? Buffer.from(head) : Buffer.alloc(0);
  let fragments: Buffer[] = [];
  let fragmentOp = 0;

  const frame = (op: number, payload: Buffer): Buffer => {
    const len = payload.length;
    const header =
      len < 126
        ? Buffer.from([0x80 | op, len])
        : len < 65536
          ? Buffer.from([0x80 | op, 126, len >> 8, len & 0xff])
          : Buffer.concat([Buffer.from([0x80 | op, 127]), bigLength(len)]);
    return Buffer.concat([header, payload]);
  };
  const finish = (): void => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers) h();
  };
  const close = (code = 1000): void => {
    if (!closed && socket.writable) {
      const p = Buffer.alloc(2);
      p.writeUInt16BE(code);
      socket.write(frame(0x8, p));
      socket.end();
    }
    finish();
  };

  const parse = (): void => {
    for (let i = 0; i < 10_000; i++) {
      if (buffer.length < 2) return;
      const b0 = buffer[0]!;
      const b1 = buffer[1]!;
      const fin = (b0 & 0x80) !== 0;
      const op = b0 & 0x0f;
      const masked = (b1 & 0x80) !== 0;
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buffer.length < 4) return;
        len = buffer.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buffer.length < 10) return;
        len = Number(buffer.readBigUInt64BE(2));
        at = 10;
      }
      if (len > MAX_MESSAGE) return close(1009);
      const maskAt = at;
      if (masked) at += 4;
      if (buffer.length < at + len) return;
      const payload = Buffer.from(buffer.subarray(at, at + len));
      if (masked) for (let j = 0; j < payload.length; j++) payload[j]! ^= buffer[maskAt + (j % 4)]!;
      buffer = buffer.subarray(at + len);
      if (!masked) return close(1002); // clients must mask (RFC 6455 §5.1)
      if (op === 0x8) return close(1000);
      if (op === 0x9) {
        socket.write(frame(0xa, payload));
        continue;
      }
      if (op === 0xa) continue;
      if (op === 0x1 || op === 0x2 || op === 0x0) {
        if (op !== 0x0) {
          fragments = [];
          fragmentOp = op;
        }
        fragments.push(payload);
        if (!fin) continue;
        const data = Buffer.concat(fragments);
        fragments = [];
        for (const h of messageHandlers) h(fragmentOp === 0x1 ? data.toString('utf8') : data);
        continue;
      }
      return close(1002);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    parse();
  });
  socket.on('close', finish);
  socket.on('error', finish);
  if (buffer.length) setImmediate(parse);
  return {
    send: (text) => {
      if (!closed && socket.writable) socket.write(frame(0x1, Buffer.from(text, 'utf8')));
    },
    sendBinary: (data) => {
      if (!closed && socket.writable) socket.write(frame(0x2, data));
    },
    close,
    onMessage: (h) => void messageHandlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
  };
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
