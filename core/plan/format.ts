/** Small formatting helpers shared by the plan renderers. */
import type { Plan, PlanStep } from './types.ts';

/** `12.50 EUR`. */
export function money(amount: number, currency: string): string {
  return `${amount.toFixed(2)} ${currency}`;
}

/** `+3.79` / `-3.79` / `±0.00`. */
export function signed(amount: number): string {
  if (Math.abs(amount) < 0.005) return '±0.00';
  return `${amount > 0 ? '+' : '-'}${Math.abs(amount).toFixed(2)}`;
}

/** `2 to create, 1 to update (1 with downtime), 1 to delete, 1 blocked, 3 unchanged`. */
export function summaryLine(plan: Plan): string {
  const downtime = plan.steps.filter((s) => s.kind === 'update' && s.mode === 'downtime').length;
  const orphans = plan.steps.filter((s) => s.orphan).length;
  const { create, update, delete: del, blocked, noop } = plan.summary;
  return [
    `${create} to create`,
    `${update} to update${downtime > 0 ? ` (${downtime} with downtime)` : ''}`,
    `${del} to delete${orphans > 0 ? ` (${orphans} orphan${orphans === 1 ? '' : 's'})` : ''}`,
    `${blocked} blocked`,
    `${noop} unchanged`,
  ].join(', ');
}

/** The action word of a step: `create`, `update (in place)`, `delete (orphan)`. */
export function actionLabel(step: PlanStep): string {
  switch (step.kind) {
    case 'update':
      return step.mode === 'downtime' ? 'update (downtime)' : 'update (in place)';
    case 'delete':
      return step.orphan ? 'delete (orphan)' : 'delete';
    default:
      return step.kind;
  }
}

/** Cost line shared by text and Markdown. */
export function costLine(plan: Plan): string {
  const { before, after, master, currency, unpriced } = plan.cost;
  const text =
    `workers ${money(before, currency)} → ${money(after, currency)} per month (${signed(after - before)}), ` +
    `master ${money(master, currency)}; net prices from the catalogue`;
  return unpriced.length > 0 ? `${text}; no price for ${unpriced.join(', ')}` : text;
}
