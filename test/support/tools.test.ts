import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAB_TOOLS } from '../../e2e/lab/lab.ts';
import { ESSENTIAL_PACKAGES, TOOLS, ciPackages, type Tool } from './tools.ts';

/**
 * The tools tests need and the packages CI installs are one list: a tool a test requires is
 * provided by a package on `.ci/packages` (or by an essential package every Debian system has).
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Commands that come with Node.js itself, not from a Debian package. */
const NODE_TOOLS = new Set(['node', 'npm', 'npx']);
/** Commands the tests write themselves (rendered scripts put on a temp PATH). */
const TEST_MADE = /^supafleet-master-(backup|restore|up)$/;

/** Literal command names in the code's process calls (spawn, must, run, …) and after `ip netns exec NS`. */
function commandsInSource(text: string): string[] {
  const found: string[] = [];
  const call = /\b(?:spawn|spawnSync|execFile|execFileSync|sh|must|run|asPostgres)\(\s*'([^']+)'/g;
  const inNamespace = /'exec',\s*[A-Za-z_.]+,\s*'([^']+)'/g;
  // an absolute path names the same tool: /usr/bin/unshare is unshare
  for (const re of [call, inNamespace])
    for (const m of text.matchAll(re)) found.push(m[1]!.split('/').at(-1)!);
  return found;
}

function trackedTypeScript(): string[] {
  return execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && !f.includes('/dist/'));
}

describe('the one list of system packages', () => {
  const listed = ciPackages();

  it.each(Object.keys(TOOLS) as Tool[])(
    'when a test needs %s, then its package is on .ci/packages or essential',
    (tool) => {
      const pkg = TOOLS[tool].package;
      expect(listed.has(pkg) || ESSENTIAL_PACKAGES.has(pkg), `${tool} needs package ${pkg}`).toBe(true);
    },
  );

  it('when the lab checks its binaries, then each is a registered tool', () => {
    for (const tool of LAB_TOOLS) expect(Object.keys(TOOLS)).toContain(tool);
  });

  it('when code runs a command by name, then the command is a registered tool, Node itself or a script the test writes', () => {
    const unknown: string[] = [];
    for (const file of trackedTypeScript()) {
      let text: string;
      try {
        text = readFileSync(join(ROOT, file), 'utf8');
      } catch {
        continue; // listed by git but removed in the work tree
      }
      for (const cmd of commandsInSource(text)) {
        if (cmd in TOOLS || NODE_TOOLS.has(cmd) || TEST_MADE.test(cmd)) continue;
        unknown.push(`${file}: ${cmd}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('when the scan reads a process call, then it finds the command of each shape', () => {
    const text = [
      "spawnSync('restic', ['version'])",
      "must('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', 'wg0'])",
      "sh('ip', ['netns', 'exec', o.namespace, 'ping'])",
      "spawnSync('/usr/bin/unshare', ['-m'])",
    ].join('\n');
    expect(commandsInSource(text).sort()).toEqual(['ip', 'ip', 'ping', 'restic', 'unshare', 'wireguard-go']);
  });

  it('when .ci/packages is read, then comments and blank lines are dropped', () => {
    expect(listed.has('restic')).toBe(true);
    expect([...listed].every((p) => /^[a-z0-9][a-z0-9.+-]+$/.test(p))).toBe(true);
  });
});
