import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastAppliedCommit, pullRequestNumber, readRunnerContext } from './context.ts';

const dir = mkdtempSync(join(tmpdir(), 'supafleet-ctx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(payload: unknown, env: Record<string, string> = {}) {
  const path = join(dir, `${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return readRunnerContext({ GITHUB_REPOSITORY: 'acme-corp/fleet', GITHUB_EVENT_PATH: path, ...env });
}

describe('runner context', () => {
  it('when a pull request runs, then its number and base commit are read from the payload', () => {
    const c = ctx({ number: 7, pull_request: { number: 7, base: { sha: 'b'.repeat(40) } } });
    expect(pullRequestNumber(c)).toBe(7);
    expect(lastAppliedCommit(c)).toBe('b'.repeat(40));
  });

  it('when a push creates the branch, then there is no last applied commit', () => {
    expect(lastAppliedCommit(ctx({ before: '0'.repeat(40) }))).toBeUndefined();
    expect(lastAppliedCommit(ctx({ before: 'a'.repeat(40) }))).toBe('a'.repeat(40));
  });

  it('when the run id is set, then statuses link to the run', () => {
    const c = ctx({}, { GITHUB_RUN_ID: '42', GITHUB_SERVER_URL: 'https://github.example' });
    expect(c.runUrl).toBe('https://github.example/acme-corp/fleet/actions/runs/42');
    expect(c.repo).toEqual({ owner: 'acme-corp', repo: 'fleet' });
  });

  it('when GITHUB_REPOSITORY is missing, then the error says what is expected', () => {
    expect(() => readRunnerContext({})).toThrow('expected owner/name');
  });
});
