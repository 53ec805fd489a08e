/**
 * The demo's status table waits, bounded, for a project whose probe failed once after its apply
 * (on a busy machine a worker's postgres-meta can miss the agent's 2 s probe timeout) instead of
 * reporting it unhealthy at once.
 */
import { describe, expect, it } from 'vitest';
import { healthyOrWait } from './settle.ts';

type Views = Awaited<ReturnType<Parameters<typeof healthyOrWait>[0]['listProjects']>>;
const view = (name: string, state: string, reasons: string[] = []) =>
  ({ name, health: { state, reasons } }) as unknown as Views[number];

function master(answers: Views[]) {
  let i = 0;
  return { calls: () => i, listProjects: () => Promise.resolve(answers[Math.min(i++, answers.length - 1)]!) };
}

const fast = { recoverMs: 2_000, pollMs: 5 };

describe('healthyOrWait', () => {
  it('when a project is degraded once and healthy at the next read, then it returns the healthy views and says what it waited for', async () => {
    const m = master([
      [view('acme', 'healthy'), view('blog', 'degraded', ['meta unhealthy'])],
      [view('acme', 'healthy'), view('blog', 'healthy')],
    ]);
    const said: string[] = [];
    const views = await healthyOrWait(m, ['acme', 'blog'], (l) => said.push(l), fast);
    expect(views.map((v) => v.health.state)).toEqual(['healthy', 'healthy']);
    expect(said).toEqual(['health: blog degraded (meta unhealthy); waiting up to 2 s for it to recover']);
  });

  it('when every project is healthy, then it reads once and says nothing', async () => {
    const m = master([[view('acme', 'healthy')]]);
    const said: string[] = [];
    await healthyOrWait(m, ['acme'], (l) => said.push(l), fast);
    expect(m.calls()).toBe(1);
    expect(said).toEqual([]);
  });

  it('when a project stays degraded, then it gives up after the bound and returns the degraded views', async () => {
    const m = master([[view('acme', 'degraded', ['rest unhealthy'])]]);
    const views = await healthyOrWait(m, ['acme'], () => undefined, { recoverMs: 50, pollMs: 5 });
    expect(views[0]!.health.state).toBe('degraded');
  });
});
