import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../build.ts';

const dockerfile = await readFile(new URL('../Dockerfile', import.meta.url), 'utf8');
const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('agent Dockerfile', () => {
  it('when the image runs, then it is a non-root user', () => {
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/^USER root$/m);
  });

  it('when the agent starts, then it gets the Node flags the benchmark measured', () => {
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(final)?.[1];
    expect(JSON.parse(entry!)).toEqual([
      '/sbin/tini',
      '--',
      'node',
      ...AGENT_NODE_FLAGS,
      '/opt/supafleet-agent/agent.cjs',
    ]);
    for (const [k, v] of Object.entries(AGENT_ENV)) expect(final).toContain(`${k}=${v}`);
  });

  it('when images are named, then each is pinned to an exact version', () => {
    for (const m of dockerfile.matchAll(/^FROM (\S+)/gm))
      expect(m[1]).toMatch(/:\d+\.\d+\.\d+-alpine\d+\.\d+$/);
  });

  it('when Docker is used, then only through a TCP socket proxy, never a mounted socket', () => {
    expect(final).toContain('DOCKER_HOST=tcp://');
    expect(dockerfile).not.toContain('docker.sock');
  });
});
