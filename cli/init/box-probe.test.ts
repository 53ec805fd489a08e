import { describe, expect, it } from 'vitest';
import { classifyProbe, installKeyCommand, probeArgs } from './box-probe.ts';

describe('classifyProbe', () => {
  const cases = [
    { name: 'exit 0', code: 0, stderr: '', want: { status: 'ok' } },
    {
      name: 'the key is refused',
      code: 255,
      stderr: 'u1@h: Permission denied (publickey,password).\nConnection closed\n',
      want: { status: 'key-not-installed', detail: 'u1@h: Permission denied (publickey,password).' },
    },
    {
      name: 'the port is closed',
      code: 255,
      stderr: 'ssh: connect to host h port 23: Connection refused\nConnection closed\n',
      want: { status: 'unreachable', detail: 'ssh: connect to host h port 23: Connection refused' },
    },
    {
      name: 'the name does not resolve',
      code: 255,
      stderr: 'ssh: Could not resolve hostname h: Name or service not known\n',
      want: { status: 'unreachable', detail: 'ssh: Could not resolve hostname h: Name or service not known' },
    },
    {
      name: 'the client was killed at the time limit',
      code: null,
      stderr: '',
      want: { status: 'unreachable', detail: 'no answer before the time limit' },
    },
    {
      name: 'something else',
      code: 1,
      stderr: 'Host key verification failed.\n',
      want: { status: 'failed', detail: 'Host key verification failed.' },
    },
  ];
  for (const c of cases)
    it(`when ${c.name}, then the probe is ${c.want.status}`, () => {
      expect(classifyProbe(c.code, c.stderr)).toEqual(c.want);
    });
});

describe('probeArgs', () => {
  it('when the box is probed, then only the given key is offered, never a password, within a connect timeout', () => {
    const args = probeArgs({ host: 'u1.your-storagebox.de', user: 'u1', port: 23 }, '/k/backup.key', '/k/kh');
    expect(args.slice(0, 6)).toEqual(['-b', '-', '-P', '23', '-i', '/k/backup.key']);
    expect(args).toContain('BatchMode=yes');
    expect(args).toContain('IdentitiesOnly=yes');
    expect(args).toContain('PasswordAuthentication=no');
    expect(args).toContain('UserKnownHostsFile=/k/kh');
    expect(args).toContain('ConnectTimeout=10');
    expect(args.at(-1)).toBe('u1@u1.your-storagebox.de');
  });

  it('when the install command is named, then it reads the public half from the key file', () => {
    expect(installKeyCommand('/k/backup.key', { host: 'u1.your-storagebox.de', user: 'u1' })).toBe(
      'cat /k/backup.key.pub | ssh -p23 u1@u1.your-storagebox.de install-ssh-key',
    );
  });
});
