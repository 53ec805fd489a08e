/**
 * What the console's browser tests share: the master's public app (with the console) and its agent
 * listener on loopback, projects created and enrolled as a worker's bootstrap does, and the
 * response bodies a page receives (searched for secrets).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { createAgentServer } from '../src/agent-listener.ts';
import { createApp } from '../src/app.ts';
import type { LabDeps } from './harness.ts';

export interface ConsoleMaster {
  /** The public app's base URL (API and /console/). */
  readonly base: string;
  /** The agent listener's base URL (heartbeats come from a worker's address, see `callFrom`). */
  readonly agentUrl: string;
  close(): void;
}

async function listen(server: Server): Promise<string> {
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves `l`'s master on loopback: the public app, polling fast, and the agent listener. */
export async function serveConsole(l: LabDeps): Promise<ConsoleMaster> {
  const server = createApp(l.deps, 'public', { console: { pollMs: 200, pingMs: 5000 } }).listen(
    0,
    '127.0.0.1',
  );
  const agentServer = createAgentServer(l.deps).listen(0, '127.0.0.1');
  const [base, agentUrl] = await Promise.all([listen(server), listen(agentServer)]);
  return {
    base,
    agentUrl,
    close: () => {
      server.closeAllConnections();
      server.close();
      agentServer.closeAllConnections();
      agentServer.close();
    },
  };
}

/** PUT /v1/projects/<name> with an enrollment token, as apply does; the enrollment token. */
export async function createProject(
  base: string,
  writeToken: string,
  spec: Record<string, unknown>,
): Promise<string> {
  const r = await fetch(`${base}/v1/projects/${String(spec.name)}?enrollment_token=true`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  if (r.status !== 201)
    throw new Error(
      `PUT /v1/projects/${String(spec.name)} answered ${r.status}; expected 201: ${await r.text()}`,
    );
  return ((await r.json()) as { enrollment: { token: string } }).enrollment.token;
}

export interface EnrolledAgent {
  /** The worker's wg address, which its heartbeats come from. */
  readonly ip: string;
  readonly token: string;
  readonly commandKey: string;
  /** Every secret the enrollment handed out or made (agent token, command key, seal private key). */
  readonly secrets: readonly string[];
}

/** POST /v1/enroll with a fresh seal keypair and the given WireGuard public key, as a worker's bootstrap does. */
export async function enrollWorker(
  base: string,
  enrollmentToken: string,
  wgPublicKey: string,
): Promise<EnrolledAgent> {
  const seal = await generateSealKeypair();
  const e = await fetch(`${base}/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      token: enrollmentToken,
      wg_public_key: wgPublicKey,
      seal_public_key: seal.publicKey,
    }),
  });
  if (e.status !== 200)
    throw new Error(`POST /v1/enroll answered ${e.status}; expected 200: ${await e.text()}`);
  const enrolled = (await e.json()) as {
    agent: { token: string; command_key: string };
    wg: { address: string };
  };
  return {
    ip: enrolled.wg.address.split('/')[0]!,
    token: enrolled.agent.token,
    commandKey: enrolled.agent.command_key,
    secrets: [enrolled.agent.token, enrolled.agent.command_key, seal.privateKey.reveal()],
  };
}

/** Collects the bodies of `page`'s responses into `bodies`; event streams never end, so they are left out. */
export function collectBodies(page: Page, bodies: { url: string; text: string }[]): void {
  page.on('response', (res) => {
    if ((res.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    void res
      .text()
      .then((text) => bodies.push({ url: res.url(), text }))
      .catch(() => undefined);
  });
}
