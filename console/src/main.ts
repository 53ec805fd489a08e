/**
 * The console's entry: the Fleet page, and the hash router (`router.ts`) that shows one page at a
 * time (elements marked `data-page="fleet|project|new"`) once the token was accepted. Plain DOM: every value goes in through textContent, never as HTML. The data
 * comes from /console/api/events (server-sent events, read over fetch so the request can carry
 * the API token in Authorization; EventSource cannot set headers). The token lives in this tab's
 * sessionStorage; a `#token=` fragment (never sent to a server) is taken once and removed.
 */
import type { ConsoleFleet, ConsoleProject } from '../../master/src/console/fleet-view.ts';
import { age, el, stateBadge } from './dom.ts';
import { apiFetch, errorMessage, forgetToken, getToken, setToken } from './api.ts';
import { mountNewProject } from './new-project.ts';
import { fleetChanged, initProjectPage, showProject } from './project.ts';
import { onRoute, routeHref, type Route } from './router.ts';
import { readEvents } from './sse.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

let received = 0; // performance.now() when the snapshot arrived, to age it locally
let current: ConsoleFleet | undefined;
let abort: AbortController | undefined;
/** The page the fragment names; pages show once the token was accepted. */
let route: Route = { page: 'fleet' };
let signedIn = false;

/** Takes `token=` out of the fragment (`#token=…` or `#/project/acme&token=…`), keeping the route. */
function takeTokenFromFragment(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]!));
  const rest = location.hash.replace(m[0], '').replace(/^#?&?/, '');
  history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
}

/** Shows the elements of the current route's page (`data-page`) and hides the others. */
function showPage(): void {
  for (const e of document.querySelectorAll<HTMLElement>('[data-page]')) {
    e.hidden = !signedIn || e.dataset.page !== route.page;
  }
}

/** A new route: show its page and move the focus to its heading, so a screen reader announces it. */
function go(next: Route, initial: boolean): void {
  route = next;
  showPage();
  showProject(next.page === 'project' ? next.name : undefined);
  if (next.page === 'fleet' && current) document.title = `Fleet ${current.fleet.name} · supafleet`;
  if (!initial && signedIn) {
    document.querySelector<HTMLElement>(`[data-page="${next.page}"] h2[tabindex="-1"]`)?.focus();
  }
}

function money(n: number | null, currency: string): string {
  if (n === null) return '—';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(n);
}

/** Seconds since the snapshot arrived, added to the server's ages. */
function elapsed(): number {
  return Math.floor((performance.now() - received) / 1000);
}
const plus = (s: number | null): number | null => (s === null ? null : s + elapsed());

/** An age that keeps counting between snapshots (`tick` rewrites it every second). */
function ageText(seconds: number | null, prefix = '', suffix = ''): Record<string, string> {
  return { 'data-age': String(seconds ?? ''), 'data-prefix': prefix, 'data-suffix': suffix };
}
function agedText(e: HTMLElement): string {
  const s = e.dataset.age;
  return `${e.dataset.prefix ?? ''}${age(s ? plus(Number(s)) : null)}${e.dataset.suffix ?? ''}`;
}

function row(p: ConsoleProject, currency: string): HTMLTableRowElement {
  const name = el(
    'th',
    { attrs: { scope: 'row' } },
    el('a', {
      text: p.name,
      cls: 'project-link',
      attrs: { href: routeHref({ page: 'project', name: p.name }) },
    }),
  );
  name.append(
    el('a', {
      text: p.url.replace(/^https:\/\//, ''),
      cls: 'sub',
      attrs: { href: p.url, rel: 'noopener noreferrer' },
    }),
  );

  const health = el('td', { attrs: { 'data-label': 'Health' } }, stateBadge(p.health.state));
  if (p.health.reasons.length > 0) {
    health.append(el('ul', { cls: 'reasons' }, ...p.health.reasons.map((r) => el('li', { text: r }))));
  }
  const heartbeat = el('td', {
    text: age(p.heartbeat_age_s),
    cls: 'num',
    attrs: { 'data-label': 'Heartbeat', ...ageText(p.heartbeat_age_s) },
  });
  const rev = el('td', {
    text: `${p.applied_revision ?? '—'} / ${p.desired_revision}`,
    cls: 'num',
    attrs: { 'data-label': 'Revision (applied / desired)' },
  });
  const wg = el('td', { attrs: { 'data-label': 'WireGuard' } }, stateBadge(p.wireguard.state));
  if (p.wireguard.handshake_age_s !== null) {
    const hs = p.wireguard.handshake_age_s;
    wg.append(
      el('span', { text: `handshake ${age(hs)} ago`, cls: 'sub', attrs: ageText(hs, 'handshake ', ' ago') }),
    );
  }
  const server = el(
    'td',
    { attrs: { 'data-label': 'Server' } },
    document.createTextNode(p.server.type ?? '—'),
    el('span', { text: p.server.location ?? '', cls: 'sub' }),
  );
  const cost = el('td', {
    text: money(p.monthly_cost, currency),
    cls: 'num',
    attrs: { 'data-label': 'Monthly' },
  });
  const backup = el('td', { attrs: { 'data-label': 'Last backup' } });
  if (p.backup) {
    const at = p.backup.age_s;
    backup.append(
      stateBadge(p.backup.state),
      el('span', { text: `${age(at)} ago`, cls: 'sub', attrs: ageText(at, '', ' ago') }),
    );
    if (p.backup.snapshot_id)
      backup.append(el('span', { text: `snapshot ${p.backup.snapshot_id}`, cls: 'sub' }));
  } else {
    backup.textContent = 'none yet';
  }
  const tr = el('tr', { attrs: { 'data-project': p.name, 'data-state': p.health.state } });
  tr.append(name, health, heartbeat, rev, wg, server, cost, backup);
  return tr;
}

function renderTotals(f: ConsoleFleet): void {
  const items: [string, string][] = [
    ['Projects', String(f.totals.projects)],
    ...Object.entries(f.totals.by_state)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]): [string, string] => [k[0]!.toUpperCase() + k.slice(1), String(v)]),
    ['Monthly cost', money(f.totals.monthly_cost, f.currency)],
  ];
  $('totals').replaceChildren(
    ...items.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v, cls: 'num' }))),
  );
  const m = f.master;
  const master = el('p', {}, el('strong', { text: 'Master ' }), stateBadge(m.state));
  for (const c of m.checks) {
    master.append(
      document.createTextNode(' · '),
      el('span', { text: `${c.name} ${c.detail}`, cls: c.ok ? '' : 'bad' }),
    );
  }
  master.append(document.createTextNode(` · supafleet ${m.version}`));
  if (m.reasons.length > 0)
    master.append(el('ul', { cls: 'reasons' }, ...m.reasons.map((r) => el('li', { text: r }))));
  $('master').replaceChildren(master);
}

/** What changed in health, for the live region (screen readers hear it once). */
function announce(before: ConsoleFleet | undefined, after: ConsoleFleet): void {
  if (!before) return;
  const was = new Map(before.projects.map((p) => [p.name, p.health.state]));
  const lines: string[] = [];
  for (const p of after.projects) {
    const old = was.get(p.name);
    if (old === undefined) lines.push(`${p.name} added, ${p.health.state}`);
    else if (old !== p.health.state) {
      const why = p.health.reasons.length > 0 ? `: ${p.health.reasons.join(', ')}` : '';
      lines.push(`${p.name} is now ${p.health.state}${why}`);
    }
    was.delete(p.name);
  }
  for (const gone of was.keys()) lines.push(`${gone} removed`);
  if (lines.length > 0) $('announce').textContent = lines.join('. ');
}

function render(f: ConsoleFleet): void {
  announce(current, f);
  current = f;
  received = performance.now();
  $('fleet-name').textContent = `${f.fleet.name} · ${f.fleet.domain}`;
  if (route.page === 'fleet') document.title = `Fleet ${f.fleet.name} · supafleet`;
  $('projects')
    .querySelector('tbody')!
    .replaceChildren(...f.projects.map((p) => row(p, f.currency)));
  $('empty').hidden = f.projects.length > 0;
  renderTotals(f);
  signedIn = true;
  showPage();
  fleetChanged(f);
  $('login').hidden = true;
}

/** Ages move on between snapshots: every age on the page is refreshed every second. */
function tick(): void {
  if (!current) return;
  for (const e of document.querySelectorAll<HTMLElement>('[data-age]')) e.textContent = agedText(e);
}

function showLogin(message: string): void {
  signedIn = false;
  showPage();
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('connection').textContent = 'Not connected';
}

async function connect(): Promise<void> {
  abort?.abort();
  if (!getToken()) return showLogin('');
  abort = new AbortController();
  const signal = abort.signal;
  let wait = 1000;
  for (let attempt = 0; attempt < 1000 && !signal.aborted; attempt++) {
    try {
      $('connection').textContent = 'Connecting…';
      const res = await apiFetch('api/events', { headers: { Accept: 'text/event-stream' }, signal });
      if (res.status === 401 || res.status === 403) {
        forgetToken();
        return showLogin(await errorMessage(res, `the master refused the token (${res.status})`));
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      $('connection').textContent = 'Live';
      wait = 1000;
      for await (const ev of readEvents(res.body)) {
        if (ev.event === 'fleet') render(JSON.parse(ev.data) as ConsoleFleet);
      }
      throw new Error('stream ended');
    } catch (err) {
      if (signal.aborted) return;
      $('connection').textContent = `Reconnecting (${(err as Error).message})…`;
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 30_000);
    }
  }
}

function start(): void {
  takeTokenFromFragment();
  $<HTMLFormElement>('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $<HTMLInputElement>('token');
    setToken(input.value.trim());
    input.value = '';
    void connect();
  });
  mountNewProject();
  initProjectPage();
  setInterval(tick, 1000);
  let initial = true;
  onRoute((r) => {
    go(r, initial);
    initial = false;
  });
  void connect();
}

start();
