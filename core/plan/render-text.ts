/** Renders a plan as plain text for the CLI. Deterministic; secrets are already masked by the planner. */
import { actionLabel, costLine, summaryLine } from './format.ts';
import type { Plan, PlanStep } from './types.ts';

const SYMBOL: Record<PlanStep['kind'], string> = {
  create: '+',
  update: '~',
  delete: '-',
  blocked: '!',
  noop: '=',
};
const MAX_NOOP_NAMES = 20;

function stepLines(step: PlanStep): string[] {
  const server = step.server ? ` [server ${step.server.name}, id ${step.server.id}]` : '';
  const lines = [`  ${SYMBOL[step.kind]} ${step.project}: ${actionLabel(step)}${server}`];
  for (const change of step.changes) {
    lines.push(`      ${change.path}: ${change.before ?? '(absent)'} → ${change.after ?? '(absent)'}`);
  }
  for (const note of step.notes) lines.push(`      # ${note}`);
  return lines;
}

export function renderText(plan: Plan): string {
  const lines = [`supafleet plan for fleet ${plan.fleet}`, ''];
  const active = plan.steps.filter((s) => s.kind !== 'noop');
  const noops = plan.steps.filter((s) => s.kind === 'noop');
  if (active.length === 0) lines.push('  No changes: actual state matches the specs.');
  for (const step of active) lines.push(...stepLines(step));
  if (noops.length > 0) {
    const names = noops.slice(0, MAX_NOOP_NAMES).map((s) => s.project);
    const more = noops.length > MAX_NOOP_NAMES ? `, and ${noops.length - MAX_NOOP_NAMES} more` : '';
    lines.push(`  = unchanged: ${names.join(', ')}${more}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of plan.warnings) lines.push(`  ! ${w.message}`);
  }
  lines.push('', `Plan: ${summaryLine(plan)}.`, `Estimated cost: ${costLine(plan)}.`);
  if (!plan.ok) lines.push('', 'The plan is blocked: see the steps marked "!".');
  return `${lines.join('\n')}\n`;
}
