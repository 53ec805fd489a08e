/**
 * What `supafleet render worker|master` does, as functions the CLI calls: render
 * from a fleet directory with clearly marked placeholder secrets and enrollment
 * values, write the files, and format the size table.
 */
import { resolveFleet, resolveProject } from '../core/spec/defaults.ts';
import type { FleetSpec, ProjectSpec } from '../core/spec/types.ts';
import { USER_DATA_LIMIT, MASTER_TARGET, WORKER_TARGET } from './shared/budget.ts';
import { ipv4Cidr, ipv4ToString } from './shared/checks.ts';
import type { UserData } from './shared/cloud-config.ts';
import {
  placeholderBackupAccount,
  placeholderEnrollment,
  placeholderOpened,
  placeholderSecrets,
} from './placeholders.ts';
import { placeholderMasterSecrets } from './master/secrets.ts';
import { renderMasterStack } from './master/stack.ts';
import { renderMasterUserData } from './master/user-data.ts';
import { renderWorkerBundle } from './worker/bundle.ts';
import { renderWorkerUserData } from './worker/user-data.ts';

/** Everything `render` writes: relative path → content, plus the user_data it measured. */
export interface RenderOutput {
  readonly files: Map<string, string>;
  readonly userData: UserData;
  readonly target: number;
}

/** Renders a worker with placeholders: `user-data.yaml` and `bundle/…`. */
export function renderWorkerOutput(fleetSpec: FleetSpec, projectSpec: ProjectSpec): RenderOutput {
  const fleet = resolveFleet(fleetSpec);
  const project = resolveProject(projectSpec);
  const backup = placeholderBackupAccount(fleet);
  const userData = renderWorkerUserData({
    fleet,
    project,
    enrollment: placeholderEnrollment(fleet.domain),
    ...(backup ? { backup } : {}),
  });
  const bundle = renderWorkerBundle({
    fleet,
    project,
    secrets: placeholderSecrets(),
    opened: placeholderOpened(project),
    revision: 1,
    // The first worker address; the master allocates the real one.
    wgAddress: ipv4ToString(ipv4Cidr('network.cidr', fleet.network.cidr).base + 2),
  });
  const files = new Map<string, string>([['user-data.yaml', userData.text]]);
  for (const [path, content] of bundle) files.set(`bundle/${path}`, content);
  return { files, userData, target: WORKER_TARGET };
}

/** Renders the master with placeholders: `user-data.yaml` and `stack/…`. */
export function renderMasterOutput(fleetSpec: FleetSpec): RenderOutput {
  const fleet = resolveFleet(fleetSpec);
  const userData = renderMasterUserData({ fleet });
  const files = new Map<string, string>([['user-data.yaml', userData.text]]);
  for (const [path, content] of renderMasterStack({ fleet, secrets: placeholderMasterSecrets() })) {
    files.set(`stack/${path}`, content);
  }
  return { files, userData, target: MASTER_TARGET };
}

/** The table `render` prints: each file's size, then the user_data total against 32 KiB. */
export function formatSizeTable(out: RenderOutput): string {
  const rows = [...out.files].map(
    ([path, content]) => [path, String(Buffer.byteLength(content, 'utf8'))] as const,
  );
  const width = Math.max(...rows.map(([p]) => p.length), 'file'.length);
  const lines = [
    `${'file'.padEnd(width)}  bytes`,
    ...rows.map(([p, b]) => `${p.padEnd(width)}  ${b.padStart(5)}`),
  ];
  const { bytes } = out.userData;
  const share = ((bytes / USER_DATA_LIMIT) * 100).toFixed(1);
  lines.push(
    '',
    `user_data: ${bytes} bytes, ${share}% of 32 KiB (${USER_DATA_LIMIT} bytes); target ${out.target} bytes: ${bytes <= out.target ? 'ok' : 'OVER'}`,
    'Secrets and enrollment values are PLACEHOLDERS; the master supplies the real ones.',
  );
  return lines.join('\n') + '\n';
}
