/**
 * The doctor's real probes on loopback: a TLS server with a certificate made by openssl for one
 * name, asked through the connect override as `--connect-to` does, and a name lookup that
 * /etc/hosts answers. No traffic leaves the machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTlsServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../../e2e/lab/tls.ts';
import { freePort } from '../../test/support/postgres.ts';
import { toolsSkipReason } from '../../test/support/tools.ts';
import { createDoctorIo } from './probes.ts';

const skip = toolsSkipReason(['openssl'], 'the doctor probe tests');
if (skip) console.log(`skipping: ${skip}`);

describe.skipIf(skip !== undefined)("the doctor's probes on loopback", () => {
  let dir = '';
  let server: Server | undefined;
  let port = 0;
  let ca = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'supafleet-doctor-probes-'));
    const made = makeCertificate(dir, 'acme.example.test');
    ca = readFileSync(made.cert, 'utf8');
    server = createTlsServer({ cert: ca, key: readFileSync(made.key, 'utf8') }, (s) => s.end());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const io = (withCa: boolean) =>
    createDoctorIo({ timeoutMs: 5000, connectTo: { address: '127.0.0.1', port }, ...(withCa ? { ca } : {}) });

  it('when the certificate is trusted and names the host, then the handshake shows it authorized, matching, with its dates', async () => {
    const d = io(true);
    const seen = await d.handshake('acme.example.test');
    await d.close();
    expect(seen).toMatchObject({ authorized: true, nameMatches: true });
    if ('error' in seen) throw new Error(seen.error);
    const hours = (Date.parse(seen.validTo) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(20);
    expect(hours).toBeLessThanOrEqual(24);
  });

  it("when the CA is not trusted, then the handshake still completes and names Node's reason", async () => {
    const d = io(false);
    const seen = await d.handshake('acme.example.test');
    await d.close();
    expect(seen).toMatchObject({
      authorized: false,
      authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      nameMatches: true,
    });
  });

  it('when the certificate names another host, then nameMatches is false', async () => {
    const d = io(true);
    const seen = await d.handshake('blog.example.test');
    await d.close();
    expect(seen).toMatchObject({ nameMatches: false });
  });

  it('when nothing listens, then the handshake gives the connection error code', async () => {
    const closed = await freePort();
    const d = createDoctorIo({ timeoutMs: 5000, connectTo: { address: '127.0.0.1', port: closed } });
    const seen = await d.handshake('acme.example.test');
    await d.close();
    expect(seen).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('when a name is in /etc/hosts, then resolve gives its address', async () => {
    const d = createDoctorIo({ timeoutMs: 5000 });
    const seen = await d.resolve('localhost');
    await d.close();
    expect('addresses' in seen && seen.addresses.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });
});
