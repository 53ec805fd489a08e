/**
 * `supafleet status` as text: one table row per project, the reasons of each project that is
 * not healthy under its row, the totals and the master's own health. Pure; colours come from
 * the caller's {@link Paint} (the identity when the output is not a terminal).
 */
import type { FleetStatus, ProjectStatus } from './types.ts';

/** Text colours; each is the identity when colours are off (cli/style.ts's Style fits). */
export interface Paint {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

export const NO_PAINT: Paint = {
  red: (t) => t,
  green: (t) => t,
  yellow: (t) => t,
  bold: (t) => t,
  dim: (t) => t,
};

/** `42s`, `7m`, `3h`, `2d`; `-` when unknown. */
export function age(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 2 * 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const money = (n: number): string => n.toFixed(2);

function stateColour(state: string, paint: Paint): (t: string) => string {
  if (state === 'healthy' || state === 'connected' || state === 'succeeded') return paint.green;
  if (state === 'provisioning' || state === 'degraded' || state === 'stale' || state === 'running')
    return paint.yellow;
  return paint.red;
}

interface Cell {
  readonly text: string;
  readonly colour?: (t: string) => string;
}

function row(p: ProjectStatus, paint: Paint): Cell[] {
  const revision = `${p.applied_revision ?? '-'}/${p.desired_revision}`;
  const behind = p.applied_revision === null || p.applied_revision < p.desired_revision;
  const wg =
    p.wireguard.handshake_age_s === null
      ? p.wireguard.state
      : `${p.wireguard.state} ${age(p.wireguard.handshake_age_s)}`;
  const server = p.server.type === null ? '-' : `${p.server.type}/${p.server.location ?? '-'}`;
  const backup = p.backup === null ? 'none' : `${p.backup.state} ${age(p.backup.age_s)} ago`;
  return [
    { text: p.name, colour: paint.bold },
    { text: p.health.state, colour: stateColour(p.health.state, paint) },
    { text: p.url },
    { text: age(p.heartbeat_age_s) },
    { text: revision, ...(behind ? { colour: paint.yellow } : {}) },
    { text: wg, colour: stateColour(p.wireguard.state, paint) },
    { text: server },
    { text: p.monthly_cost === null ? '-' : money(p.monthly_cost) },
    { text: backup, ...(p.backup ? { colour: stateColour(p.backup.state, paint) } : {}) },
  ];
}

const HEADER = ['PROJECT', 'HEALTH', 'URL', 'HEARTBEAT', 'REVISION', 'WIREGUARD', 'SERVER', 'COST', 'BACKUP'];

/** The status as lines of text, without trailing newlines. */
export function formatStatus(f: FleetStatus, paint: Paint = NO_PAINT): string[] {
  const lines: string[] = [];
  lines.push(`${paint.bold(`fleet ${f.fleet.name}`)} (${f.fleet.domain}) at ${f.generated_at}`);
  if (f.projects.length === 0) {
    lines.push('no projects yet');
  } else {
    const rows = f.projects.map((p) => row(p, paint));
    const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.text.length)));
    const render = (cells: readonly Cell[]): string =>
      cells
        .map((c, i) => {
          const padded = i === cells.length - 1 ? c.text : c.text.padEnd(widths[i]!);
          return c.colour ? c.colour(padded) : padded;
        })
        .join('  ');
    lines.push(paint.dim(render(HEADER.map((text) => ({ text })))));
    f.projects.forEach((p, i) => {
      lines.push(render(rows[i]!));
      if (p.health.state !== 'healthy') {
        for (const reason of p.health.reasons)
          lines.push(`  ${stateColour(p.health.state, paint)('-')} ${reason}`);
      }
    });
  }
  const states = Object.entries(f.totals.by_state)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([state, n]) => `${n} ${state}`);
  lines.push(
    `${f.totals.projects} project${f.totals.projects === 1 ? '' : 's'}${states.length ? `: ${states.join(', ')}` : ''}; ${money(f.totals.monthly_cost)} ${f.currency}/month`,
  );
  const master = `master: ${f.master.state} (supafleet ${f.master.version})`;
  lines.push(f.master.state === 'healthy' ? paint.green(master) : paint.red(master));
  for (const reason of f.master.reasons) lines.push(`  ${paint.red('-')} ${reason}`);
  return lines;
}

/** True when every project and the master are healthy (`supafleet status` exits 0). */
export function allHealthy(f: FleetStatus): boolean {
  return f.master.state === 'healthy' && f.projects.every((p) => p.health.state === 'healthy');
}
