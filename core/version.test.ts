import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { SUPAFLEET_VERSION } from './version.ts';

describe('version', () => {
  it('when package.json is released at a version, then the images and agents use the same one', () => {
    expect(SUPAFLEET_VERSION).toBe(pkg.version);
  });
});
