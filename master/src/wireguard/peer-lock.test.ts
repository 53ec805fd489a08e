import { describe, expect, it } from 'vitest';
import { createPeerLock } from './peer-lock.ts';

describe('peer lock', () => {
  it('when holders overlap, then each runs alone, in the order they asked', async () => {
    const lock = createPeerLock();
    const events: string[] = [];
    const hold = (name: string) =>
      lock.run(async () => {
        events.push(`${name} in`);
        await new Promise((r) => setImmediate(r));
        events.push(`${name} out`);
        return name;
      });
    expect(await Promise.all([hold('a'), hold('b'), hold('c')])).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('when a holder throws, then its caller gets the error and the next holder still runs', async () => {
    const lock = createPeerLock();
    const failed = lock.run(async () => {
      throw new Error('wg set failed');
    });
    const next = lock.run(async () => 'ran');
    await expect(failed).rejects.toThrow('wg set failed');
    expect(await next).toBe('ran');
  });
});
