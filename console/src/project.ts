/**
 * The Project page (`#/project/<name>`): the project's health service by service, its recent
 * heartbeats, its backups with "Back up now", "Restart" per service (confirmed in a dialog),
 * "Open in Studio", the project's file in the repository, and its connection details. The data
 * comes from /console/api/projects/<name>; the actions call the master's API (`/v1/projects/…`)
 * with the same token, so the master checks their scopes: a button the token may not use says
 * which scope it needs, and read-only data stays visible.
 */
import type { ConsoleFleet } from '../../master/src/console/fleet-view.ts';
import type {
  ConsoleBackupEntry,
  ConsoleBeat,
  ConsoleProjectPage,
  ConsoleService,
} from '../../master/src/console/project-view.ts';
import { apiFetch, errorMessage } from './api.ts';
import { age, el, stateBadge } from './dom.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** How often the open page re-reads its project (new heartbeats reach the timeline). */
const REFRESH_MS = 15_000;

let shown: string | undefined;
let data: ConsoleProjectPage | undefined;
let lastFleetEntry = '';
let refreshTimer: ReturnType<typeof setInterval> | undefined;
let loading: AbortController | undefined;
/** Set after "Back up now" until the list shows the backup finished. */
let watchingBackup = false;
/** The button that opened the restart dialog, to give the focus back. */
let restartOpener: HTMLElement | undefined;

const SCOPE_OF = { backup: 'backup', restart: 'write', reveal: 'admin' } as const;

/** Tells the user (and screen readers, through the polite live region) how an action went. */
function status(message: string, bad = false): void {
  const s = $('project-status');
  s.textContent = message;
  s.classList.toggle('bad', bad);
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

function bytes(n: number | null): string {
  if (n === null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * Marks a button the token may not use: it stays focusable and says why (aria-disabled, and the
 * note it is described by), and a click only repeats the note.
 */
function gate(
  button: HTMLButtonElement,
  allowed: boolean,
  action: keyof typeof SCOPE_OF,
  noteId: string,
): void {
  const note = $(noteId);
  if (allowed) {
    button.removeAttribute('aria-disabled');
    note.textContent = '';
  } else {
    button.setAttribute('aria-disabled', 'true');
    note.textContent = `needs the ${SCOPE_OF[action]} scope`;
  }
  button.setAttribute('aria-describedby', noteId);
}

function refused(button: HTMLElement): boolean {
  if (button.getAttribute('aria-disabled') !== 'true') return false;
  const note = button.getAttribute('aria-describedby');
  status(`${button.textContent ?? 'This action'} ${note ? ($(note).textContent ?? '') : ''}`.trim(), true);
  return true;
}

function renderHead(p: ConsoleProjectPage): void {
  const x = p.project;
  $('project-name').textContent = x.name;
  document.title = `${x.name} · supafleet`;
  const health = el('p', { cls: 'project-health' }, stateBadge(x.health.state));
  if (x.health.reasons.length > 0)
    health.append(el('ul', { cls: 'reasons' }, ...x.health.reasons.map((r) => el('li', { text: r }))));
  const facts: [string, string][] = [
    ['Heartbeat', x.heartbeat_age_s === null ? 'none yet' : `${age(x.heartbeat_age_s)} ago`],
    ['Revision (applied / desired)', `${x.applied_revision ?? '—'} / ${x.desired_revision}`],
    [
      'WireGuard',
      x.wireguard.handshake_age_s === null
        ? x.wireguard.state
        : `${x.wireguard.state}, handshake ${age(x.wireguard.handshake_age_s)} ago`,
    ],
    ['Server', [x.server.type, x.server.location].filter(Boolean).join(' in ') || '—'],
  ];
  $('project-head').replaceChildren(
    health,
    el(
      'dl',
      { cls: 'facts' },
      ...facts.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v }))),
    ),
  );
  const links = $('project-links');
  links.replaceChildren(
    el('a', {
      text: 'Open in Studio',
      cls: 'button',
      attrs: { href: p.studio_url, id: 'open-studio', target: '_blank', rel: 'noopener noreferrer' },
    }),
  );
  if (p.repository_file_url) {
    links.append(
      el('a', {
        text: `projects/${x.name}.yaml`,
        attrs: { href: p.repository_file_url, id: 'project-file', rel: 'noopener noreferrer' },
      }),
    );
  }
}

function serviceRow(s: ConsoleService): HTMLTableRowElement {
  const state = el('td', { attrs: { 'data-label': 'State' } }, stateBadge(s.state));
  if (s.detail) state.append(el('span', { text: s.detail, cls: 'sub' }));
  const latency = el('td', {
    text: s.latency_ms === null ? '—' : `${s.latency_ms} ms`,
    cls: 'num',
    attrs: { 'data-label': 'Probe' },
  });
  const button = el('button', {
    text: 'Restart',
    attrs: { type: 'button', 'data-service': s.name, 'aria-label': `Restart ${s.name}` },
  });
  const noteId = `restart-note-${s.name}`;
  const note = el('span', { cls: 'note', attrs: { id: noteId } });
  const action = el('td', { attrs: { 'data-label': 'Action' } }, button, note);
  const tr = el(
    'tr',
    { attrs: { 'data-service': s.name, 'data-state': s.state } },
    el('th', { text: s.name, attrs: { scope: 'row' } }),
    state,
    latency,
    action,
  );
  button.addEventListener('click', () => openRestart(s.name, button));
  return tr;
}

function renderServices(p: ConsoleProjectPage): void {
  $('services')
    .querySelector('tbody')!
    .replaceChildren(...p.services.map(serviceRow));
  for (const b of $('services').querySelectorAll<HTMLButtonElement>('button[data-service]')) {
    gate(b, p.can.restart, 'restart', `restart-note-${b.dataset.service!}`);
  }
  $('services').hidden = p.services.length === 0;
  $('services-age').textContent =
    p.services_age_s === null
      ? 'No heartbeat yet: the worker has not reported its services.'
      : `As the last heartbeat reported them, ${age(p.services_age_s)} ago.`;
}

function beatLabel(b: ConsoleBeat): string {
  const why = b.reasons.length > 0 ? `: ${b.reasons.join(', ')}` : '';
  const silent = b.silent_before_s === null ? '' : ` (after ${age(b.silent_before_s)} without a heartbeat)`;
  return `${clock(b.at)} ${b.state}${why}${silent}`;
}

function renderTimeline(p: ConsoleProjectPage): void {
  const t = p.timeline;
  // oldest first, left to right
  const items = [...t].reverse().map((b) => {
    const label = beatLabel(b);
    return el(
      'li',
      {
        cls: `beat beat-${b.state}${b.silent_before_s === null ? '' : ' beat-after-gap'}`,
        attrs: { title: label },
      },
      el('span', { text: label, cls: 'visually-hidden' }),
    );
  });
  $('timeline').replaceChildren(...items);
  $('timeline').hidden = t.length === 0;
  if (t.length === 0) {
    $('timeline-summary').textContent = 'No heartbeat yet.';
    return;
  }
  const degraded = t.filter((b) => b.state === 'degraded').length;
  const gaps = t.filter((b) => b.silent_before_s !== null).length;
  const span = t[t.length - 1]!.age_s - t[0]!.age_s;
  $('timeline-summary').textContent =
    `${t.length} heartbeats over ${age(span)}: ${t.length - degraded} healthy, ${degraded} degraded` +
    (gaps > 0 ? `, ${gaps} after a silence` : '') +
    '.';
  const changes = t
    .filter((b, i) => b.state === 'degraded' || b.silent_before_s !== null || i === 0)
    .slice(0, 8);
  $('timeline-changes').replaceChildren(...changes.map((b) => el('li', { text: beatLabel(b) })));
}

function backupRow(b: ConsoleBackupEntry): HTMLTableRowElement {
  const state = el('td', { attrs: { 'data-label': 'State' } }, stateBadge(b.state));
  if (b.error) state.append(el('span', { text: b.error, cls: 'sub' }));
  return el(
    'tr',
    { attrs: { 'data-state': b.state } },
    el('th', { text: `${age(b.age_s)} ago`, attrs: { scope: 'row', title: b.at } }),
    state,
    el('td', { text: b.snapshot_id ?? '—', cls: 'mono', attrs: { 'data-label': 'Snapshot' } }),
    el('td', {
      text: b.duration_s === null ? '—' : `${Math.round(b.duration_s)} s`,
      cls: 'num',
      attrs: { 'data-label': 'Duration' },
    }),
    el('td', { text: bytes(b.size_bytes), cls: 'num', attrs: { 'data-label': 'Size' } }),
    el('td', {
      text: b.source === 'master' ? 'started here or by the API' : 'scheduled on the worker',
      attrs: { 'data-label': 'Started' },
    }),
  );
}

function renderBackups(p: ConsoleProjectPage): void {
  $('backups')
    .querySelector('tbody')!
    .replaceChildren(...p.backups.map(backupRow));
  $('backups').hidden = p.backups.length === 0;
  $('backups-empty').hidden = p.backups.length > 0;
  gate($('backup-now'), p.can.backup, 'backup', 'backup-note');
  if (watchingBackup) {
    const mine = p.backups.find((b) => b.source === 'master');
    if (mine && mine.state !== 'running') {
      watchingBackup = false;
      $('backup-now').removeAttribute('aria-busy');
      status(
        mine.state === 'succeeded'
          ? `Backup finished: snapshot ${mine.snapshot_id ?? '—'}.`
          : `Backup failed${mine.error ? `: ${mine.error}` : ''}.`,
        mine.state === 'failed',
      );
    }
  }
}

function renderConnection(p: ConsoleProjectPage): void {
  $('api-url').textContent = p.connection.api_url;
  $('anon-key').textContent = p.connection.anon_key;
  gate($('reveal'), p.can.reveal, 'reveal', 'reveal-note');
}

function render(p: ConsoleProjectPage): void {
  data = p;
  renderHead(p);
  renderServices(p);
  renderTimeline(p);
  renderBackups(p);
  renderConnection(p);
  $('project-body').hidden = false;
}

async function load(name: string): Promise<void> {
  loading?.abort();
  const ctl = new AbortController();
  loading = ctl;
  try {
    const res = await apiFetch(`api/projects/${encodeURIComponent(name)}`, { signal: ctl.signal });
    if (name !== shown) return;
    if (!res.ok) {
      $('project-error').textContent = await errorMessage(res);
      $('project-body').hidden = res.status === 404 || data?.project.name !== name;
      return;
    }
    $('project-error').textContent = '';
    render((await res.json()) as ConsoleProjectPage);
  } catch (err) {
    if (!ctl.signal.aborted)
      $('project-error').textContent = `Cannot read the project: ${(err as Error).message}`;
  }
}

/** Shows the page for `name` (called by the router), or stops it when `name` is undefined. */
export function showProject(name: string | undefined): void {
  if (refreshTimer) clearInterval(refreshTimer);
  refreshTimer = undefined;
  if (name === undefined) {
    shown = undefined;
    loading?.abort();
    return;
  }
  if (name !== shown) {
    shown = name;
    data = undefined;
    // a backup started before the page was left keeps running; this page no longer waits for it
    watchingBackup = false;
    $('backup-now').removeAttribute('aria-busy');
    hideSecrets();
    status('');
    $('project-name').textContent = name;
    $('project-body').hidden = true;
    $('project-error').textContent = '';
  }
  refreshTimer = setInterval(() => void load(name), REFRESH_MS);
  void load(name);
}

/** A new fleet snapshot: when the shown project's row changed (health, backup, …), read the page again. */
export function fleetChanged(f: ConsoleFleet): void {
  if (shown === undefined) return;
  const row = f.projects.find((p) => p.name === shown);
  const key = JSON.stringify(
    row ? { ...row, heartbeat_age_s: null, wireguard: null, backup: row.backup?.at } : null,
  );
  if (key === lastFleetEntry) return;
  lastFleetEntry = key;
  void load(shown);
}

async function backupNow(): Promise<void> {
  const button = $<HTMLButtonElement>('backup-now');
  if (!shown || refused(button) || button.getAttribute('aria-busy') === 'true') return;
  const name = shown;
  button.setAttribute('aria-busy', 'true');
  status(`Starting a backup of ${name}…`);
  try {
    const res = await apiFetch(`../v1/projects/${encodeURIComponent(name)}/backups`, { method: 'POST' });
    if (!res.ok) {
      button.removeAttribute('aria-busy');
      const msg = await errorMessage(res);
      return status(res.status === 403 ? `Back up now: ${msg}` : `The backup did not start: ${msg}`, true);
    }
    const body = (await res.json()) as { state?: string };
    if (body.state === 'running') {
      watchingBackup = true;
      status(`Backup of ${name} running; this page shows its result when the worker reports it.`);
    } else {
      button.removeAttribute('aria-busy');
      status(`Backup of ${name}: ${body.state ?? 'done'}.`, body.state === 'failed');
    }
    await load(name);
  } catch (err) {
    button.removeAttribute('aria-busy');
    status(`The backup did not start: ${(err as Error).message}`, true);
  }
}

function openRestart(service: string, opener: HTMLElement): void {
  if (refused(opener)) return;
  restartOpener = opener;
  $('restart-service').textContent = service;
  $<HTMLButtonElement>('restart-confirm').dataset.service = service;
  $<HTMLDialogElement>('restart-dialog').showModal();
  $<HTMLButtonElement>('restart-cancel').focus();
}

async function restart(service: string): Promise<void> {
  if (!shown) return;
  const name = shown;
  status(`Restarting ${service} on ${name}…`);
  try {
    const res = await apiFetch(`../v1/projects/${encodeURIComponent(name)}/restart`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service }),
    });
    if (!res.ok) {
      const msg = await errorMessage(res);
      return status(res.status === 403 ? `Restart: ${msg}` : `${service} was not restarted: ${msg}`, true);
    }
    const body = (await res.json()) as { state?: string; duration_s?: number; error?: string };
    if (body.state === 'failed')
      return status(`${service} was not restarted: ${body.error ?? 'failed'}`, true);
    const took = typeof body.duration_s === 'number' ? ` in ${body.duration_s} s` : '';
    status(`${service} restarted${took}.`);
    await load(name);
  } catch (err) {
    status(`${service} was not restarted: ${(err as Error).message}`, true);
  }
}

function hideSecrets(): void {
  $('revealed').replaceChildren();
  $('revealed').hidden = true;
  $('reveal').hidden = false;
  $('hide-secrets').hidden = true;
}

async function reveal(): Promise<void> {
  const button = $<HTMLButtonElement>('reveal');
  if (!shown || refused(button)) return;
  const name = shown;
  try {
    const res = await apiFetch(`../v1/projects/${encodeURIComponent(name)}/credentials`);
    if (!res.ok) {
      const msg = await errorMessage(res);
      return status(res.status === 403 ? `Reveal: ${msg}` : `Cannot reveal the keys: ${msg}`, true);
    }
    const c = (await res.json()) as { service_role_key?: string; postgres_password?: string };
    const rows: [string, string, string | undefined][] = [
      ['Service key', 'service-key', c.service_role_key],
      ['Database password', 'db-password', c.postgres_password],
    ];
    $('revealed').replaceChildren(
      ...rows.map(([label, id, value]) =>
        el(
          'div',
          {},
          el('dt', { text: label }),
          el('dd', {}, el('code', { text: value ?? '—', attrs: { id } }), copyButton(id, label)),
        ),
      ),
    );
    $('revealed').hidden = false;
    button.hidden = true;
    $('hide-secrets').hidden = false;
    $('hide-secrets').focus();
    status('Service key and database password shown; the master logged who asked.');
  } catch (err) {
    status(`Cannot reveal the keys: ${(err as Error).message}`, true);
  }
}

function copyButton(target: string, label: string): HTMLButtonElement {
  const b = el('button', {
    text: 'Copy',
    cls: 'copy',
    attrs: { type: 'button', 'data-copy': target, 'aria-label': `Copy the ${label.toLowerCase()}` },
  });
  return b;
}

async function copy(target: string, label: string): Promise<void> {
  const text = $(target).textContent ?? '';
  try {
    await navigator.clipboard.writeText(text);
    status(`${label} copied.`);
  } catch {
    // no clipboard access (an insecure origin, a refused permission): select it for Ctrl+C
    const range = document.createRange();
    range.selectNodeContents($(target));
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    status(`${label} selected: press Ctrl+C (⌘C) to copy it.`);
  }
}

/** Wires the page's fixed controls once. */
export function initProjectPage(): void {
  $('backup-now').addEventListener('click', () => void backupNow());
  $('reveal').addEventListener('click', () => void reveal());
  $('hide-secrets').addEventListener('click', () => {
    hideSecrets();
    $('reveal').focus();
  });
  // every Copy button, also those added with revealed values
  $('project-page').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-copy]');
    if (!b) return;
    const what = (b.getAttribute('aria-label') ?? 'Copy the value').replace(/^Copy the /, '');
    void copy(b.dataset.copy!, what[0]!.toUpperCase() + what.slice(1));
  });
  const dialog = $<HTMLDialogElement>('restart-dialog');
  dialog.addEventListener('close', () => {
    const service = $<HTMLButtonElement>('restart-confirm').dataset.service;
    if (dialog.returnValue === 'confirm' && service) void restart(service);
    dialog.returnValue = '';
    restartOpener?.focus();
  });
}
