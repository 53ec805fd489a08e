/**
 * The New project page (`#/new`): a form that builds `projects/<name>.yaml`, checked as
 * you type with the same schema and rules as `supafleet validate` (core/spec, bundled into this
 * script with the schemas compiled at build time), the names and subdomains the fleet already has
 * (from /console/api/names) and the catalogue's server types, locations and prices. The file is
 * then opened on GitHub's new-file page, downloaded or copied: the master keeps no GitHub
 * credential for it. Plain DOM; every value goes in through textContent or value, never as HTML.
 */
import { catalogue, locationNames, serverType, serverTypeNames } from '../../core/catalogue/catalogue.ts';
import { checkNewProject, projectFile, type TakenProject } from '../../core/spec/check-new-project.ts';
import type { ConsoleNames } from '../../master/src/console/names-view.ts';
import { apiFetch, errorMessage, getToken } from './api.ts';
import { el } from './dom.ts';
import { placeError, type FieldName } from './new-project-fields.ts';
import { githubNewFileUrl } from './new-project-links.ts';
import { EMPTY_FORM, projectYaml, specFromForm, type NewProjectForm } from './new-project-spec.ts';
import { onRoute } from './router.ts';

/** Typing pauses this long before the file is checked again. */
const CHECK_DELAY_MS = 150;

interface FieldDef {
  readonly name: FieldName;
  readonly label: string;
  readonly kind: 'text' | 'lines' | 'number' | 'check' | 'select';
  readonly hint?: string;
  readonly options?: () => readonly { value: string; text: string }[];
  readonly attrs?: Readonly<Record<string, string>>;
}

const money = (n: number): string =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency: catalogue.currency }).format(n);

const GROUPS: readonly { readonly legend: string; readonly fields: readonly FieldDef[] }[] = [
  {
    legend: 'Project',
    fields: [
      {
        name: 'name',
        label: 'Name',
        kind: 'text',
        hint: '3-32 lowercase letters, digits and hyphens, starting with a letter; also the file name.',
        attrs: { autocapitalize: 'none', spellcheck: 'false', required: '' },
      },
      {
        name: 'subdomain',
        label: 'Subdomain',
        kind: 'text',
        hint: 'Where the API is served; empty: the name.',
        attrs: { autocapitalize: 'none', spellcheck: 'false' },
      },
      {
        name: 'protect',
        label: 'Protect from teardown',
        kind: 'check',
        hint: 'Deleting the file is refused while this is on.',
      },
    ],
  },
  {
    legend: 'Server',
    fields: [
      {
        name: 'serverType',
        label: 'Server type',
        kind: 'select',
        options: () =>
          serverTypeNames().map((t) => {
            const s = serverType(t)!;
            const cpu = `${s.cores} ${s.cpu_type === 'dedicated' ? 'dedicated ' : ''}vCPU`;
            return {
              value: t,
              text: `${t} · ${cpu}, ${s.memory_gb} GB RAM, ${s.disk_gb} GB, ${s.architecture} · ${money(s.price_monthly)}/month`,
            };
          }),
      },
      {
        name: 'location',
        label: 'Location',
        kind: 'select',
        options: () =>
          locationNames().map((l) => {
            const c = catalogue.locations[l]!;
            return { value: l, text: `${l} · ${c.city}, ${c.country}` };
          }),
      },
    ],
  },
  {
    legend: 'Auth',
    fields: [
      {
        name: 'siteUrl',
        label: 'Site URL',
        kind: 'text',
        hint: "The app's https URL, used in auth e-mails.",
        attrs: { type: 'url', inputmode: 'url', spellcheck: 'false', placeholder: 'https://acme.com' },
      },
      {
        name: 'redirectUrls',
        label: 'Redirect URLs',
        kind: 'lines',
        hint: 'One a line.',
        attrs: { spellcheck: 'false' },
      },
      { name: 'signupEnabled', label: 'Allow sign-up', kind: 'check' },
      {
        name: 'emailAutoconfirm',
        label: 'Confirm e-mail sign-ups without a mail',
        kind: 'check',
        hint: 'Sign-up with a confirmation mail needs auth.smtp (its password sealed): add it in the pull request.',
      },
    ],
  },
  {
    legend: 'API and storage',
    fields: [
      {
        name: 'corsOrigins',
        label: 'CORS origins',
        kind: 'lines',
        hint: 'One https origin a line; none: any origin.',
        attrs: { spellcheck: 'false' },
      },
      {
        name: 'fileSizeLimitMb',
        label: 'Largest upload (MB)',
        kind: 'number',
        hint: 'Empty: 50.',
      },
    ],
  },
  {
    legend: 'Backup',
    fields: [
      {
        name: 'backupSchedule',
        label: 'Schedule (cron, UTC)',
        kind: 'text',
        attrs: { spellcheck: 'false' },
      },
      { name: 'keepDaily', label: 'Daily snapshots kept', kind: 'number' },
      { name: 'keepWeekly', label: 'Weekly snapshots kept', kind: 'number' },
      { name: 'keepMonthly', label: 'Monthly snapshots kept', kind: 'number' },
    ],
  },
];

const ALL_FIELDS: readonly FieldDef[] = GROUPS.flatMap((g) => g.fields);

const id = (f: FieldName): string => `np-${f}`;

function control(f: FieldDef, value: string | boolean): HTMLElement {
  const describedBy = [f.hint ? `${id(f.name)}-hint` : '', `${id(f.name)}-error`].filter(Boolean).join(' ');
  const common = { id: id(f.name), name: f.name, 'aria-describedby': describedBy, ...f.attrs };
  switch (f.kind) {
    case 'check': {
      const input = el('input', { attrs: { ...common, type: 'checkbox' } });
      input.checked = value === true;
      return input;
    }
    case 'select': {
      const select = el('select', { attrs: common });
      for (const o of f.options!()) select.append(el('option', { text: o.text, attrs: { value: o.value } }));
      select.value = String(value);
      return select;
    }
    case 'lines': {
      const area = el('textarea', { attrs: { rows: '3', ...common } });
      area.value = String(value);
      return area;
    }
    default: {
      const input = el('input', {
        attrs: {
          type: 'text',
          autocomplete: 'off',
          ...(f.kind === 'number' ? { inputmode: 'numeric' } : {}),
          ...common,
        },
      });
      input.value = String(value);
      return input;
    }
  }
}

function field(f: FieldDef): HTMLElement {
  const input = control(f, EMPTY_FORM[f.name]);
  const label = el('label', { text: f.label, attrs: { for: id(f.name) } });
  const parts: Node[] = f.kind === 'check' ? [input, label] : [label, input];
  if (f.hint) parts.push(el('p', { text: f.hint, cls: 'hint', attrs: { id: `${id(f.name)}-hint` } }));
  // Each field's error is announced when it appears or changes (polite: after the typing pauses).
  parts.push(el('p', { cls: 'field-error', attrs: { id: `${id(f.name)}-error`, 'aria-live': 'polite' } }));
  return el('div', { cls: `field field-${f.kind}`, attrs: { 'data-field': f.name } }, ...parts);
}

/** The page's markup, built once. */
function build(): HTMLElement {
  const form = el('form', { attrs: { id: 'np-form', novalidate: '' } });
  for (const g of GROUPS) {
    form.append(el('fieldset', {}, el('legend', { text: g.legend }), ...g.fields.map(field)));
  }
  const output = el(
    'section',
    { cls: 'np-output', attrs: { 'aria-labelledby': 'np-file-title' } },
    el('h3', { text: 'projects/….yaml', attrs: { id: 'np-file-title' } }),
    el('p', { attrs: { id: 'np-cost' } }),
    el('p', { attrs: { id: 'np-summary', role: 'status' } }),
    el('ul', { cls: 'reasons', attrs: { id: 'np-other-errors' } }),
    el('pre', {
      attrs: { id: 'np-yaml', tabindex: '0', 'aria-labelledby': 'np-file-title' },
    }),
    el(
      'div',
      { cls: 'np-actions' },
      el('a', {
        text: 'Open a pull request on GitHub',
        cls: 'button',
        attrs: { id: 'np-github', target: '_blank', rel: 'noopener noreferrer', 'aria-disabled': 'true' },
      }),
      el('button', { text: 'Download file', attrs: { id: 'np-download', type: 'button' } }),
      el('button', { text: 'Copy', attrs: { id: 'np-copy', type: 'button' } }),
    ),
    el('p', { cls: 'hint', attrs: { id: 'np-github-hint' } }),
    el('p', { attrs: { id: 'np-status', role: 'status' } }),
  );
  return el(
    'section',
    { attrs: { id: 'new-project', 'data-page': 'new', 'aria-labelledby': 'np-title', hidden: '' } },
    el('h2', { text: 'New project', attrs: { id: 'np-title', tabindex: '-1' } }),
    el('p', {
      cls: 'muted',
      text: 'Fill in the project; its file is checked as you type with the same rules as supafleet validate. Open it on GitHub to commit it to a new branch and open a pull request there.',
    }),
    el('p', { attrs: { id: 'np-names' }, cls: 'muted' }),
    el('div', { cls: 'np-layout' }, form, output),
  );
}

function readForm(): NewProjectForm {
  const values: Record<string, string | boolean> = {};
  for (const f of ALL_FIELDS) {
    const e = document.getElementById(id(f.name)) as HTMLInputElement;
    values[f.name] = f.kind === 'check' ? e.checked : e.value;
  }
  return values as unknown as NewProjectForm;
}

let names: ConsoleNames | undefined;
let namesError = '';
let yaml = '';
let file = '';
let timer: ReturnType<typeof setTimeout> | undefined;

const $ = <T extends HTMLElement>(elementId: string): T => document.getElementById(elementId) as T;

/** Checks the form, shows each error at its field, and writes the file, the cost and the links. */
export function refresh(): void {
  const form = readForm();
  const spec = specFromForm(form);
  const taken: readonly TakenProject[] = names?.projects ?? [];
  const errors = checkNewProject(spec, {
    taken,
    ...(names ? { domain: names.fleet.domain } : {}),
  });
  const byField = new Map<FieldName, string[]>();
  const other: string[] = [];
  for (const e of errors) {
    const placed = placeError(e.path, e.message);
    if (placed.field) byField.set(placed.field, [...(byField.get(placed.field) ?? []), placed.message]);
    else other.push(e.path ? `${e.path}: ${e.message}` : e.message);
  }
  for (const f of ALL_FIELDS) {
    const messages = byField.get(f.name) ?? [];
    const text = messages.join(' ');
    const box = $(`${id(f.name)}-error`);
    if (box.textContent !== text) box.textContent = text;
    const input = $(id(f.name));
    if (messages.length > 0) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    input.closest('.field')!.classList.toggle('invalid', messages.length > 0);
  }
  $('np-other-errors').replaceChildren(...other.map((m) => el('li', { text: m })));

  const name = typeof spec.name === 'string' ? spec.name : '';
  file = projectFile(name || '<name>');
  yaml = projectYaml(spec);
  $('np-file-title').textContent = file;
  $('np-yaml').textContent = yaml;

  const type = serverType(form.serverType);
  $('np-cost').textContent = type
    ? `Monthly cost: ${money(type.price_monthly)} (net, Hetzner's prices of ${catalogue.updated})`
    : '';

  const count = errors.length;
  const ready = count === 0 && names !== undefined;
  $('np-summary').textContent =
    count > 0
      ? `${count} ${count === 1 ? 'problem' : 'problems'} to fix before the file can be opened on GitHub.`
      : names
        ? `${file} is valid.`
        : 'The file passes every rule but the names taken, which could not be read.';

  const link = $<HTMLAnchorElement>('np-github');
  const repository = names?.fleet.repository ?? null;
  let why = '';
  if (!names) why = `The fleet's names could not be read${namesError ? `: ${namesError}` : ''}.`;
  else if (repository === null)
    why =
      'fleet.yaml names no github.repository: add it to open the file on GitHub; download or copy it meanwhile.';
  else if (count > 0) why = 'Fix the problems above first.';
  if (ready && repository !== null) {
    link.href = githubNewFileUrl(repository, file, yaml);
    link.removeAttribute('aria-disabled');
  } else {
    link.removeAttribute('href');
    link.setAttribute('aria-disabled', 'true');
  }
  $('np-github-hint').textContent =
    why ||
    `Opens ${repository}'s new-file page on GitHub with this file filled in; choose "Create a new branch" and "Propose changes" there.`;
}

function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(refresh, CHECK_DELAY_MS);
}

async function loadNames(): Promise<void> {
  if (!getToken()) {
    namesError = 'sign in with an API token first';
  } else {
    try {
      const res = await apiFetch('api/names');
      if (!res.ok) throw new Error(await errorMessage(res));
      names = (await res.json()) as ConsoleNames;
      namesError = '';
    } catch (err) {
      names = undefined;
      namesError = (err as Error).message;
    }
  }
  $('np-names').textContent = names
    ? `Fleet ${names.fleet.name} · ${names.fleet.domain}: ${names.projects.length} ${names.projects.length === 1 ? 'project' : 'projects'} (their names and subdomains are taken).`
    : `The names and subdomains taken could not be read: ${namesError}.`;
  refresh();
}

function download(): void {
  const url = URL.createObjectURL(new Blob([yaml], { type: 'application/yaml' }));
  const a = el('a', { attrs: { href: url, download: file.replace(/^projects\//, '') } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  $('np-status').textContent =
    `Downloaded ${file.replace(/^projects\//, '')}: put it in the projects/ folder.`;
}

async function copy(): Promise<void> {
  try {
    await navigator.clipboard.writeText(yaml);
    $('np-status').textContent = `Copied ${file} to the clipboard.`;
  } catch {
    // No clipboard (an insecure origin, or refused): select the text for the person to copy.
    const range = document.createRange();
    range.selectNodeContents($('np-yaml'));
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    $('np-status').textContent =
      'The browser refused the clipboard: the file is selected, copy it with the keyboard.';
  }
}

/** Adds the page to the console (once, at start, before the router shows a page); main.ts calls it. */
export function mountNewProject(): void {
  document.querySelector('main')!.append(build());
  const form = $<HTMLFormElement>('np-form');
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  form.addEventListener('submit', (e) => e.preventDefault());
  $('np-download').addEventListener('click', download);
  $('np-copy').addEventListener('click', () => void copy());
  // The router (main.ts) shows the page; the names are read afresh each time it is opened, and
  // again after signing in on the token form.
  let open = false;
  onRoute((r) => {
    if (r.page === 'new' && !open) void loadNames();
    open = r.page === 'new';
  });
  document.getElementById('login')?.addEventListener('submit', () => {
    if (open) void loadNames();
  });
  refresh();
}
