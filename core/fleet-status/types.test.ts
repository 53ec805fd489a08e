import { describe, expect, it } from 'vitest';
import type { ConsoleFleet } from '../../master/src/console/fleet-view.ts';
import type { FleetStatus } from './types.ts';

describe("the CLI's copy of the fleet data", () => {
  it("when the master's ConsoleFleet changes shape, then this file stops compiling (tsc checks it)", () => {
    const fromMaster = (f: ConsoleFleet): FleetStatus => f;
    expect(typeof fromMaster).toBe('function');
  });
});
