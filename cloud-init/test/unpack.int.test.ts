/**
 * The packed write_files, end to end with the real tools: cloud-init's own
 * write_files module decodes the gzip+base64 entry, then the unpack step from
 * runcmd (real bash and jq) writes every file; each lands with the content and
 * mode the renderer meant.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { renderMasterUserData } from '../master/user-data.ts';
import { placeholderEnrollment } from '../placeholders.ts';
import type { UserData } from '../shared/cloud-config.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import { decodeUserData } from './decode.ts';
import { CLOUD_INIT_PYTHON, missingTools } from './validators.ts';

const missing = missingTools(['cloud-init', 'jq', 'bash']);

const WRITE_FILES = `
import json, os, sys
from cloudinit.config.cc_write_files import write_files
root, entries = sys.argv[1], json.load(sys.stdin)
for e in entries:
    e["path"] = root + e["path"]
write_files("supafleet-test", entries, "root:root" if os.geteuid() == 0 else "%d:%d" % (os.geteuid(), os.getegid()))
`;

function unpackInto(userData: UserData): string {
  const root = mkdtempSync(join(tmpdir(), 'sf-unpack-'));
  const { doc, inlineScripts } = decodeUserData(userData.text);
  const py = spawnSync(CLOUD_INIT_PYTHON, ['-c', WRITE_FILES, root], {
    input: JSON.stringify(doc.write_files),
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(py.status, py.stderr).toBe(0);
  const sh = spawnSync('bash', ['-c', inlineScripts[0]!], {
    env: { PATH: process.env.PATH, SUPAFLEET_ROOT: root },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(sh.status, sh.stderr).toBe(0);
  return root;
}

describe.skipIf(missing.length > 0)('packed write_files', () => {
  const fleet = resolveFleet(fleetSpec);
  it.each([
    [
      'worker',
      renderWorkerUserData({
        fleet,
        project: resolveProject(projectSpecs.full!),
        enrollment: placeholderEnrollment('example.com'),
      }),
    ],
    ['master', renderMasterUserData({ fleet })],
  ])(
    'when cloud-init writes the %s user_data and runcmd unpacks it, then every file has its content and mode',
    (_name, userData) => {
      const root = unpackInto(userData);
      try {
        const { files } = decodeUserData(userData.text);
        expect(files.length).toBeGreaterThan(3);
        for (const f of files) {
          const path = join(root, f.path);
          expect(readFileSync(path, 'utf8'), f.path).toBe(f.content);
          expect((statSync(path).mode & 0o777).toString(8).padStart(4, '0'), f.path).toBe(f.permissions);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  );

  it.each(['/etc/../../escape', 'relative/path', '/etc/x y', '/etc/$(reboot)'])(
    'when the archive names the path %j, then unpacking stops before writing it',
    (bad) => {
      const root = mkdtempSync(join(tmpdir(), 'sf-unpack-'));
      try {
        mkdirSync(join(root, 'var', 'lib', 'supafleet'), { recursive: true });
        writeFileSync(
          join(root, 'var', 'lib', 'supafleet', 'files.json'),
          JSON.stringify([{ path: bad, permissions: '0644', content: 'x' }]),
        );
        const { inlineScripts } = decodeUserData(renderMasterUserData({ fleet }).text);
        const sh = spawnSync('bash', ['-c', inlineScripts[0]!], {
          env: { PATH: process.env.PATH, SUPAFLEET_ROOT: root },
          timeout: 30_000,
        });
        expect(sh.status).not.toBe(0);
        expect(existsSync(join(root, 'escape'))).toBe(false);
        expect(existsSync(join(root, 'etc'))).toBe(false);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  );
});
