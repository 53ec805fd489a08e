/**
 * The demo's last step: `supafleet smoke` (core/smoke, what the CLI runs) against one
 * project through Caddy → Kong fake → wg: supabase-js creates a user and signs in,
 * writes, reads and deletes a row through PostgREST, uploads, downloads and removes an
 * object, does a Realtime broadcast round trip over a WebSocket and invokes the
 * supafleet-health function, then removes what it made. Each step is printed.
 */
import type { MasterApi } from '../../core/master-client/types.ts';
import { formatReport, runSmoke } from '../../core/smoke/index.ts';

export async function demoSmoke(o: {
  master: MasterApi;
  project: string;
  /** Caddy's HTTPS port on 127.0.0.1 and its root CA. */
  caddy: { port: number; ca: string };
  say: (line: string) => void;
}): Promise<boolean> {
  const c = await o.master.credentials(o.project);
  const report = await runSmoke({
    project: o.project,
    target: { url: c.url, anonKey: c.anon_key, serviceRoleKey: c.service_role_key },
    resolve: { address: '127.0.0.1', port: o.caddy.port },
    ca: o.caddy.ca,
    stepTimeoutMs: 15_000,
  });
  for (const line of formatReport(report)) o.say(`supafleet smoke ${o.project}: ${line}`);
  return report.ok;
}
