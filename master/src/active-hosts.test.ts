import { describe, expect, it } from 'vitest';
import { createActiveHosts } from './active-hosts.ts';

function source(initial: string[]) {
  const state = { hosts: initial, loads: 0, fail: false };
  const load = async () => {
    state.loads++;
    await new Promise((r) => setTimeout(r, 1));
    if (state.fail) throw new Error('registry down');
    return [...state.hosts];
  };
  return { state, load };
}

describe('createActiveHosts', () => {
  it('when many names are asked, then the registry is read once', async () => {
    const { state, load } = source(['shop']);
    const hosts = createActiveHosts(load);
    const answers = await Promise.all(Array.from({ length: 125 }, (_, i) => hosts.has(`junk${i}`)));
    expect(answers.every((a) => a === false)).toBe(true);
    expect(await hosts.has('shop')).toBe(true);
    expect(state.loads).toBe(1);
  });

  it('when the set is invalidated, then the next ask reads the registry again', async () => {
    const { state, load } = source(['shop']);
    const hosts = createActiveHosts(load);
    expect(await hosts.has('blog')).toBe(false);
    state.hosts = ['shop', 'blog'];
    hosts.invalidate();
    expect(await hosts.has('blog')).toBe(true);
    expect(state.loads).toBe(2);
  });

  it('when the set is older than its maximum age, then it is read again', async () => {
    let t = 0;
    const { state, load } = source(['shop']);
    const hosts = createActiveHosts(load, { maxAgeMs: 1000, now: () => t });
    await hosts.has('shop');
    state.hosts = [];
    t = 999;
    expect(await hosts.has('shop')).toBe(true);
    t = 1000;
    expect(await hosts.has('shop')).toBe(false);
  });

  it('when a reload fails, then the last set keeps answering and a later ask retries', async () => {
    const { state, load } = source(['shop']);
    const hosts = createActiveHosts(load);
    await hosts.has('shop');
    state.fail = true;
    hosts.invalidate();
    expect(await hosts.has('shop')).toBe(true);
    state.fail = false;
    state.hosts = [];
    expect(await hosts.has('shop')).toBe(false);
  });

  it('when the first load fails, then the ask fails (the caller answers 500, never a wrong yes)', async () => {
    const { state, load } = source(['shop']);
    state.fail = true;
    await expect(createActiveHosts(load).has('shop')).rejects.toThrow('registry down');
  });
});
