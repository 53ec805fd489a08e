import { describe, expect, it } from 'vitest';
import { keyCommand, remoteInstall } from './keys.ts';

describe('installing the master keys', () => {
  it('when the seal key is installed, then it is owned by the master API user (uid 1000) and readable by it alone', () => {
    expect(remoteInstall('fleet-seal.key')).toBe(
      'sudo install -o 1000 -g 1000 -m 0400 /dev/stdin /etc/supafleet/fleet-seal.key',
    );
  });

  it("when the Storage Box key is installed, then it is root's with mode 0600", () => {
    expect(remoteInstall('backup.key')).toBe('sudo install -m 0600 /dev/stdin /etc/supafleet/backup.key');
  });

  it('when the command is printed for the operator, then it reads the key from the named local file on stdin', () => {
    expect(
      keyCommand(
        { user: 'deploy', host: '203.0.113.9' },
        'fleet-seal.key',
        '/home/op/.config/supafleet/prod/fleet-seal.key',
      ),
    ).toBe(
      "ssh deploy@203.0.113.9 'sudo install -o 1000 -g 1000 -m 0400 /dev/stdin /etc/supafleet/fleet-seal.key' < /home/op/.config/supafleet/prod/fleet-seal.key",
    );
  });
});
