import type { BundleRenderer } from '../../master/src/bundle.ts';
import { defaultBundleRenderer } from '../../master/src/bundle.ts';

/**
 * The stand-in services a lab worker runs instead of the Supabase containers. The
 * master of the lab renders the real bundle and adds `standins.json`, `probes.json`
 * and the stand-in program, so the real agent runs them with its process runtime.
 * Each stand-in answers its health probe on 127.0.0.1 and listens on the worker's
 * wg address too; `rest` answers `GET /` with a small JSON document naming the
 * project and revision (the "REST endpoint" a request over wg reaches).
 */
export const LAB_STANDIN_FILE = 'lab-standin.mjs';

/**
 * Stands in for the bundle's backup/backup.sh (restic to the Storage Box): records
 * a successful snapshot in the status file the agent reads, so a final backup
 * before a teardown succeeds without a Storage Box.
 */
export const LAB_BACKUP_SCRIPT = `#!/bin/sh
# supafleet lab: stand-in backup (no restic, no Storage Box)
set -eu
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '{"success":true,"finished_at":"%s","duration_s":0,"snapshot_id":"lab-%s","size_bytes":0,"error":null}\\n' "$now" "$(date -u +%s)" > "$BACKUP_STATUS_FILE"
`;

/** Service → port, as the real stack publishes them on the wg address. */
export const LAB_SERVICES: Readonly<Record<string, number>> = {
  auth: 9999,
  db: 5432,
  functions: 9000,
  meta: 8080,
  realtime: 4000,
  rest: 3000,
  storage: 5000,
};

export const LAB_STANDIN_SCRIPT = `import { createServer } from 'node:http';
const service = process.env.SERVICE ?? '';
const port = Number(process.env.PORT);
const body = JSON.stringify({
  service,
  project: process.env.PROJECT ?? '',
  revision: Number(process.env.REVISION ?? 0),
  stand_in: true,
});
const handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
  res.end(body);
};
const servers = [createServer(handler).listen(port, '127.0.0.1')];
if (process.env.WG_ADDRESS) {
  servers.push(createServer(handler).listen(Number(process.env.WG_PORT ?? port), process.env.WG_ADDRESS));
}
process.on('SIGTERM', () => process.exit(0));
`;

/** The extra bundle files for one worker. */
export function labStandinFiles(input: {
  project: string;
  revision: number;
  wgAddress: string;
  /**
   * The 127.0.0.1 port a service answers its probe on. Default: its real port (a
   * worker namespace has its own loopback); in-process workers share the host's
   * loopback, so each gets its own.
   */
  localPort?: (service: string, port: number) => number;
}): Map<string, string> {
  const services: Record<string, unknown> = {};
  const probes: unknown[] = [];
  for (const [name, port] of Object.entries(LAB_SERVICES)) {
    const local = input.localPort?.(name, port) ?? port;
    services[name] = {
      command: ['node', LAB_STANDIN_FILE],
      port: local,
      env: {
        SERVICE: name,
        PROJECT: input.project,
        REVISION: String(input.revision),
        WG_ADDRESS: input.wgAddress,
        WG_PORT: String(port),
      },
    };
    probes.push({ service: name, type: 'http', url: `http://127.0.0.1:${local}/` });
  }
  return new Map([
    [LAB_STANDIN_FILE, LAB_STANDIN_SCRIPT],
    ['backup/backup.sh', LAB_BACKUP_SCRIPT],
    ['standins.json', JSON.stringify({ services }, null, 2)],
    ['probes.json', JSON.stringify({ probes }, null, 2)],
  ]);
}

/** The real bundle renderer plus the stand-in files. */
export function labBundleRenderer(
  localPort?: (wgAddress: string, service: string, port: number) => number,
): BundleRenderer {
  return (input) => {
    const files = defaultBundleRenderer(input);
    for (const [path, content] of labStandinFiles({
      project: input.project.name,
      revision: input.revision,
      wgAddress: input.wgAddress,
      ...(localPort
        ? { localPort: (service: string, port: number) => localPort(input.wgAddress, service, port) }
        : {}),
    })) {
      files.set(path, content);
    }
    return files;
  };
}
