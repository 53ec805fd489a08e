/**
 * The few DOM helpers every page of the console uses. Every value goes in through textContent
 * or an attribute, never as HTML.
 */

/** An element with text, class and attributes, and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: { text?: string; cls?: string; attrs?: Readonly<Record<string, string>> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (opts.text !== undefined) e.textContent = opts.text;
  if (opts.cls) e.className = opts.cls;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** "42 s", "5 min", "3 h", "2 d". */
export function age(s: number | null): string {
  if (s === null) return '—';
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** A state word with its colour (`healthy`, `degraded`, `running`, …). */
export function stateBadge(state: string): HTMLElement {
  return el('span', { text: state, cls: `state state-${state.replace(/\s+/g, '-')}` });
}
