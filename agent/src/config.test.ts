import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig, parseListen } from './config.ts';

const good = {
  project: 'acme',
  master_url: 'http://10.100.0.1:8081/',
  token: 'sfa_0123456789abcdef0123',
  listen: '10.100.0.2:8082',
  seal_private_key_file: '/etc/supafleet/seal.key',
  state_dir: '/opt/supafleet',
  command_key: 'k'.repeat(43),
};
const key = 'A'.repeat(43) + '=';

function files(config: unknown, sealKey = key): (p: string) => Promise<string> {
  return async (p) => {
    if (p === '/etc/supafleet/agent.json') return JSON.stringify(config);
    if (p === '/etc/supafleet/seal.key') return `${sealKey}\n`;
    throw new Error('ENOENT: no such file');
  };
}

describe('agent config', () => {
  it('when the file is complete, then it is parsed with secrets wrapped and defaults filled', async () => {
    const c = await loadConfig('/etc/supafleet/agent.json', files(good));
    expect(c.masterUrl).toBe('http://10.100.0.1:8081');
    expect(c.listen).toEqual({ host: '10.100.0.2', port: 8082 });
    expect(c.wgInterface).toBe('wg0');
    expect(c.heartbeatIntervalS).toBe(30);
    expect(c.token.reveal()).toBe(good.token);
    expect(c.sealPrivateKey.reveal()).toBe(key);
    expect(JSON.stringify(c)).not.toContain(good.token);
    expect(JSON.stringify(c)).not.toContain(key);
  });

  it('when fields are missing, then one error names the file and every missing field', async () => {
    const { token: _t, state_dir: _s, ...rest } = good;
    await expect(loadConfig('/etc/supafleet/agent.json', files(rest))).rejects.toThrow(
      /agent config \/etc\/supafleet\/agent.json is invalid:\n {2}- \(top level\): missing "token"\n {2}- \(top level\): missing "state_dir"/,
    );
  });

  it.each([
    [{ master_url: 'ftp://x' }, /\/master_url: "ftp:\/\/x" is not a URL/],
    [{ listen: '10.100.0.2' }, /\/listen: "10.100.0.2" is not host:port/],
    [{ state_dir: 'opt' }, /\/state_dir: "opt" is relative/],
    [{ project: 'Acme!' }, /\/project: "Acme!" is not a project name/],
    [{ extra: 1 }, /unknown key "extra"/],
  ])('when %j, then the error names the value and what is expected', (patch, why) => {
    expect(checkConfig({ ...good, ...patch }).join('\n')).toMatch(why);
  });

  it.each([1, 5, 300])('when heartbeat_interval_s is %s, then the agent uses it', async (n) => {
    const c = await loadConfig('/etc/supafleet/agent.json', files({ ...good, heartbeat_interval_s: n }));
    expect(c.heartbeatIntervalS).toBe(n);
  });

  it.each([
    [0, '0'],
    [301, '301'],
    [-5, '-5'],
    [2.5, '2.5'],
    ['30', '"30"'],
  ])(
    'when heartbeat_interval_s is %j, then start is refused with an error naming the value and the range',
    async (v, shown) => {
      const problems = checkConfig({ ...good, heartbeat_interval_s: v });
      expect(problems).toEqual([
        `/heartbeat_interval_s: ${shown} is invalid; expected a whole number of seconds from 1 to 300 (default 30)`,
      ]);
      await expect(
        loadConfig('/etc/supafleet/agent.json', files({ ...good, heartbeat_interval_s: v })),
      ).rejects.toThrow(
        `/heartbeat_interval_s: ${shown} is invalid; expected a whole number of seconds from 1 to 300`,
      );
    },
  );

  it('when a secret field is wrong, then the message does not echo it', () => {
    const problems = checkConfig({ ...good, token: 'short-secret' });
    expect(problems.join('\n')).toMatch(/\/token: too short/);
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('when the key file is missing or malformed, then the error names its path', async () => {
    await expect(
      loadConfig('/etc/supafleet/agent.json', files({ ...good, seal_private_key_file: '/nope' })),
    ).rejects.toThrow(/cannot read the seal private key \/nope named by/);
    await expect(loadConfig('/etc/supafleet/agent.json', files(good, 'abc'))).rejects.toThrow(
      /\/etc\/supafleet\/seal.key is not base64 of 32 bytes/,
    );
  });

  it('when the file is not JSON, then the error says so', async () => {
    const read = async (): Promise<string> => '{';
    await expect(loadConfig('/x.json', read)).rejects.toThrow('the agent config /x.json is not valid JSON');
  });

  it.each([
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[fd00::2]:8082', { host: 'fd00::2', port: 8082 }],
    ['host:99999', undefined],
  ])('when listen is %s, then it parses to %j', (s, want) => {
    expect(parseListen(s)).toEqual(want);
  });
});
