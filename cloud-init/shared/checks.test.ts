import { describe, expect, it } from 'vitest';
import {
  cronSchedule,
  hostname,
  ipv4Cidr,
  ipv4InCidr,
  masterWgAddress,
  posixUser,
  sshPublicKey,
} from './checks.ts';

describe('narrow-format checks', () => {
  it.each(['0 3 * * *', '30 2 * * mon-sat', '*/15 1-5 1,15 jan-jun 1-5'])(
    'when the schedule is %j, then it is accepted',
    (s) => {
      expect(cronSchedule('backup.schedule', s)).toBe(s);
    },
  );

  it.each([
    '0 3 * * * root rm -rf /',
    '0 3 * *',
    '$(reboot) * * * *',
    '0 3 * * *\n* * * * * root evil',
    '@daily',
  ])('when the schedule is %j, then it is refused with the field named', (s) => {
    expect(() => cronSchedule('backup.schedule', s)).toThrow(
      /^backup\.schedule: .* expected a five-field cron schedule/,
    );
  });

  it.each(['deploy', 'ops_1', 'a-b'])('when the user is %j, then it is accepted', (u) =>
    expect(posixUser('ssh.user', u)).toBe(u),
  );
  it.each(['root', 'Deploy', 'a b', 'x\nAllowUsers *', ''])(
    'when the user is %j, then it is refused',
    (u) => {
      expect(() => posixUser('ssh.user', u)).toThrow(/^ssh\.user: /);
    },
  );

  it.each(['example.com', 'a.b-c.example.co.uk'])('when the domain is %j, then it is accepted', (d) =>
    expect(hostname('domain', d)).toBe(d),
  );
  it.each(['example', 'EXAMPLE.com', 'a.com}\nimport x', '-a.com', 'a..com'])(
    'when the domain is %j, then it is refused',
    (d) => {
      expect(() => hostname('domain', d)).toThrow(/^domain: /);
    },
  );

  it('when a network is given, then the master takes its first host address', () => {
    expect(masterWgAddress('10.100.0.0/24')).toBe('10.100.0.1');
    expect(masterWgAddress('10.20.0.0/16')).toBe('10.20.0.1');
    expect(ipv4Cidr('network.cidr', '10.100.0.0/24')).toEqual({ base: 0x0a640000, prefix: 24 });
  });

  it.each(['10.100.0.0/8', '10.100.0.0/30', '300.1.1.1/24', '10.0.0.0'])(
    'when the network is %j, then it is refused',
    (c) => {
      expect(() => ipv4Cidr('network.cidr', c)).toThrow(/^network\.cidr: /);
    },
  );

  it('when a worker address is outside the network or is its network or broadcast address, then it is refused', () => {
    expect(ipv4InCidr('wgAddress', '10.100.0.2', '10.100.0.0/24')).toBe('10.100.0.2');
    for (const a of ['10.100.1.2', '10.100.0.0', '10.100.0.255', '10.100.0.2; reboot']) {
      expect(() => ipv4InCidr('wgAddress', a, '10.100.0.0/24')).toThrow(/^wgAddress: /);
    }
  });

  it('when an SSH key spans two lines, then it is refused', () => {
    expect(() =>
      sshPublicKey('ssh.authorized_keys[0]', 'ssh-ed25519 AAAA a\nssh-ed25519 BBBB evil'),
    ).toThrow();
    expect(sshPublicKey('k', 'ssh-ed25519 AAAAC3Nz ops@example.com')).toBe(
      'ssh-ed25519 AAAAC3Nz ops@example.com',
    );
  });
});
