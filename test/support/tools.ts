import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every system tool a test, the e2e lab or the demo runs, with the Debian package that provides
 * it. A package is either on `.ci/packages` (the one list `.ci/run` installs) or one of Debian's
 * essential packages, which every Debian system has. `tools.test.ts` fails when a tool's package
 * is on neither, so no test can need something a fresh CI machine lacks.
 *
 * Tests ask for tools by name through `toolsSkipReason` / `missingTools`: on a laptop a missing
 * tool skips with the package to install; under `CI=true` it is an error.
 */
export const TOOLS = {
  // essential packages (Debian policy 3.8: Essential: yes, present on every system)
  bash: { package: 'bash' },
  sh: { package: 'dash' },
  dash: { package: 'dash' },
  sha256sum: { package: 'coreutils' },
  base64: { package: 'coreutils' },
  id: { package: 'coreutils' },
  sleep: { package: 'coreutils' },
  ldd: { package: 'libc-bin' },
  chown: { package: 'coreutils' },
  flock: { package: 'util-linux', probe: ['flock', ['-V']] },
  runuser: { package: 'util-linux' },
  setpriv: { package: 'util-linux' },
  unshare: { package: 'util-linux' },
  nsenter: { package: 'util-linux' },
  mount: { package: 'mount' },
  umount: { package: 'mount' },
  tar: { package: 'tar' },
  gzip: { package: 'gzip' },
  grep: { package: 'grep' },
  sed: { package: 'sed' },
  // on .ci/packages
  initdb: { package: 'postgresql', path: '/usr/lib/postgresql/15/bin/initdb' },
  pg_ctl: { package: 'postgresql', path: '/usr/lib/postgresql/15/bin/pg_ctl' },
  postgres: { package: 'postgresql', path: '/usr/lib/postgresql/15/bin/postgres' },
  psql: { package: 'postgresql' },
  pg_dump: { package: 'postgresql' },
  'wireguard-go': { package: 'wireguard-go' },
  wg: { package: 'wireguard-tools' },
  'wg-quick': { package: 'wireguard-tools' },
  ip: { package: 'iproute2', probe: ['ip', ['-V']] },
  ping: { package: 'iputils-ping', probe: ['ping', ['-V']] },
  caddy: { package: 'caddy', probe: ['caddy', ['version']] },
  'cloud-init': {
    package: 'cloud-init',
    probe: ['/usr/bin/python3', ['-c', 'import cloudinit']],
  },
  shellcheck: { package: 'shellcheck' },
  hcloud: { package: 'hcloud-cli', probe: ['hcloud', ['version']] },
  restic: { package: 'restic', probe: ['restic', ['version']] },
  jq: { package: 'jq' },
  curl: { package: 'curl' },
  openssl: { package: 'openssl', probe: ['openssl', ['version']] },
  iptables: { package: 'iptables' },
  dockerd: { package: 'docker.io' },
  docker: { package: 'docker.io' },
  busybox: { package: 'busybox', probe: ['busybox', ['true']] },
  git: { package: 'git', probe: ['git', ['--version']] },
  chromium: { package: 'chromium', probe: ['chromium', ['--version']] },
  sshd: { package: 'openssh-server', path: '/usr/sbin/sshd' },
  ssh: { package: 'openssh-client' },
  sftp: { package: 'openssh-client' },
  'ssh-keygen': { package: 'openssh-client' },
} as const satisfies Record<string, ToolFacts>;

interface ToolFacts {
  /** The Debian package that installs the tool. */
  readonly package: string;
  /** An absolute path when the tool is not on PATH (e.g. Postgres' server binaries). */
  readonly path?: string;
  /** A command that exits 0 when the tool works; default: the tool is an executable on PATH. */
  readonly probe?: readonly [string, readonly string[]];
}

export type Tool = keyof typeof TOOLS;

/**
 * Debian's essential packages that provide the tools above: every Debian system has them, so
 * they need no entry on `.ci/packages` (Debian Policy §3.8; `dpkg-query -W -f '${Essential}'`).
 */
export const ESSENTIAL_PACKAGES: ReadonlySet<string> = new Set([
  'bash',
  'dash',
  'coreutils',
  'util-linux',
  'libc-bin',
  'tar',
  'gzip',
  'grep',
  'sed',
]);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The package names on `.ci/packages` (comments after `#` and blank lines dropped). */
export function ciPackages(file = join(ROOT, '.ci', 'packages')): Set<string> {
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter((line) => line !== ''),
  );
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, cmd)));
}

/** Whether the tool is installed and runs. */
export function toolPresent(tool: Tool): boolean {
  const facts: ToolFacts = TOOLS[tool];
  if (facts.probe) {
    const [cmd, args] = facts.probe;
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  }
  return facts.path ? executable(facts.path) : onPath(tool);
}

/** The tools of the list that are not installed here. */
export function absentTools(tools: readonly Tool[]): Tool[] {
  return tools.filter((t) => !toolPresent(t));
}

/** "restic (Debian package restic), wg (Debian package wireguard-tools)". */
export function describeTools(tools: readonly Tool[]): string {
  return tools.map((t) => `${t} (Debian package ${TOOLS[t].package})`).join(', ');
}

/**
 * Why tests needing these tools cannot run here, or undefined when all are present. Under
 * `CI=true` a missing tool is an error naming its package, since `.ci/run` installs them all.
 */
export function toolsSkipReason(tools: readonly Tool[], what = 'these tests'): string | undefined {
  const absent = absentTools(tools);
  if (absent.length === 0) return undefined;
  const message = `${what} need ${describeTools(absent)}`;
  if (process.env.CI === 'true') {
    throw new Error(`${message}: .ci/run installs the packages on .ci/packages; is one missing there?`);
  }
  return `${message} (install them as .ci/run does)`;
}

/**
 * Why a test needing root and these tools cannot run here, or undefined when it can: without
 * root, `needsRoot` (the test then runs anyway under `CI=true`, where .ci/run is root, and fails
 * instead of skipping); with root, as toolsSkipReason.
 */
export function rootToolsSkipReason(
  needsRoot: string,
  tools: readonly Tool[],
  what = 'these tests',
): string | undefined {
  if (process.getuid?.() !== 0 && process.env.CI !== 'true') return needsRoot;
  return toolsSkipReason(tools, what);
}
