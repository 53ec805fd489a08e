import { describe, expect, it } from 'vitest';
import { CidrFullError, masterAddress, nextFreeAddress, parseCidr, workerCapacity } from './wg-ip.ts';

describe('wg address allocation', () => {
  const net = parseCidr('10.100.0.0/24');

  it.each([
    { name: 'empty network', used: [] as string[], want: '10.100.0.2' },
    { name: 'first taken', used: ['10.100.0.2'], want: '10.100.0.3' },
    { name: 'hole reused', used: ['10.100.0.2', '10.100.0.4'], want: '10.100.0.3' },
  ])('when $name, then the lowest free address after the master is chosen', ({ used, want }) => {
    expect(nextFreeAddress(net, used)).toBe(want);
  });

  it('when the network is full, then a CidrFullError names the network and the fix', () => {
    const small = parseCidr('10.0.0.0/29');
    const used = ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'];
    expect(workerCapacity(small)).toBe(5);
    expect(() => nextFreeAddress(small, used)).toThrow(CidrFullError);
    expect(() => nextFreeAddress(small, used)).toThrow(/10\.0\.0\.0\/29 is full.*network\.cidr/);
  });

  it('when the broadcast address would be next, then it is never handed out', () => {
    const small = parseCidr('10.0.0.0/30');
    expect(nextFreeAddress(small, [])).toBe('10.0.0.2');
    expect(() => nextFreeAddress(small, ['10.0.0.2'])).toThrow(CidrFullError);
  });

  it('when the network is a /16, then the master is .0.1 and workers cross the third octet', () => {
    const big = parseCidr('10.100.0.0/16');
    expect(masterAddress(big)).toBe('10.100.0.1');
    const used = Array.from({ length: 254 }, (_, i) => `10.100.0.${i + 2}`);
    expect(nextFreeAddress(big, used)).toBe('10.100.1.0');
  });

  it.each(['10.100.0.1/24', '10.100.0.0', '10.100.0.0/33', '300.1.1.0/24'])(
    'when the CIDR is "%s", then parsing fails with the expected form',
    (bad) => {
      expect(() => parseCidr(bad)).toThrow(/expected/);
    },
  );
});
