/**
 * Renders a plan as a pull-request comment. The first line is a hidden marker so the plan
 * action finds its own comment and updates it in place. Everything from specs is escaped;
 * the comment stays under GitHub's size limit by eliding steps past `maxLength`.
 */
import { actionLabel, costLine, money, summaryLine } from './format.ts';
import type { Plan, PlanStep } from './types.ts';

/** The hidden marker that identifies supafleet's sticky plan comment. */
export const PLAN_MARKER = '<!-- supafleet-plan -->';

/** GitHub rejects comments over 65,536 characters; stay well below. */
export const DEFAULT_MAX_LENGTH = 60_000;

const ICON: Record<PlanStep['kind'], string> = {
  create: '🟢',
  update: '🟡',
  delete: '🔴',
  blocked: '⛔',
  noop: '⚪',
};

/** Escapes text for a Markdown table cell or paragraph. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/([\\`*_[\]])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return `<code>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/\r?\n/g, ' ')}</code>`;
}

function stepRow(step: PlanStep, currency: string): string {
  const server = step.server ? `${code(step.server.name)} (id ${step.server.id})` : '—';
  const cost = `${money(step.cost.before, currency)} → ${money(step.cost.after, currency)}`;
  return `| ${ICON[step.kind]} | ${code(step.project)} | ${actionLabel(step)} | ${server} | ${cost} |`;
}

function stepDetails(step: PlanStep): string {
  const lines = [`<details><summary>${escapeMarkdown(step.project)}: ${actionLabel(step)}</summary>`, ''];
  if (step.changes.length > 0) {
    lines.push('| Field | Before | After |', '|---|---|---|');
    for (const c of step.changes) {
      lines.push(
        `| ${code(c.path)} | ${c.before === undefined ? '—' : code(c.before)} | ${c.after === undefined ? '—' : code(c.after)} |`,
      );
    }
    lines.push('');
  }
  for (const note of step.notes) lines.push(`- ${escapeMarkdown(note)}`);
  if (step.notes.length > 0) lines.push('');
  lines.push('</details>', '');
  return lines.join('\n');
}

export function renderMarkdown(plan: Plan, options: { maxLength?: number } = {}): string {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const currency = plan.cost.currency;
  const head: string[] = [
    PLAN_MARKER,
    `### supafleet plan · fleet ${code(plan.fleet)}`,
    '',
    `**${summaryLine(plan)}**`,
    '',
  ];
  if (!plan.ok) {
    head.push('> [!CAUTION]', '> This plan is blocked (⛔ below): it cannot be applied as it stands.', '');
  }
  if (plan.warnings.length > 0) {
    head.push('> [!WARNING]');
    for (const w of plan.warnings) head.push(`> - ${escapeMarkdown(w.message)}`);
    head.push('');
  }
  const foot = ['', `**Estimated cost:** ${escapeMarkdown(costLine(plan))}.`, ''];
  const active = plan.steps.filter((s) => s.kind !== 'noop');
  const noops = plan.steps.filter((s) => s.kind === 'noop');

  const body: string[] = [];
  if (active.length === 0) body.push('No changes: actual state matches the specs.', '');
  else body.push('| | Project | Action | Server | Monthly cost |', '|---|---|---|---|---|');
  let used = [...head, ...foot].join('\n').length + 400;
  const rows: string[] = [];
  const details: string[] = [];
  let shown = 0;
  for (const step of active) {
    const row = stepRow(step, currency);
    const detail = step.changes.length > 0 || step.notes.length > 0 ? stepDetails(step) : '';
    if (used + row.length + detail.length + 2 > maxLength) break;
    used += row.length + detail.length + 2;
    rows.push(row);
    if (detail) details.push(detail);
    shown++;
  }
  body.push(...rows);
  if (shown < active.length) {
    body.push(
      '',
      `…and ${active.length - shown} more steps, left out to fit the comment: see the job summary or \`supafleet plan\`.`,
    );
  }
  if (active.length > 0) body.push('');
  body.push(...details);
  if (noops.length > 0) {
    const names = noops.map((s) => code(s.project)).join(', ');
    const list = used + names.length < maxLength ? names : `${noops.length} projects`;
    body.push(`<details><summary>${noops.length} unchanged</summary>`, '', list, '', '</details>');
  }
  return `${[...head, ...body, ...foot].join('\n')}`;
}
