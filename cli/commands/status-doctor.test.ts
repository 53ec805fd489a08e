import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readStream, type CliIo } from '../io.ts';
import { main } from '../main.ts';
import { runCli } from '../../test/support/cli-io.ts';
import { freePort } from '../../test/support/postgres.ts';

const TOKEN = { SUPAFLEET_API_TOKEN: 'sft_x_notarealtoken' };

describe('supafleet status and doctor: usage', () => {
  const cases: { name: string; argv: string[]; env?: Record<string, string>; want: RegExp }[] = [
    {
      name: 'status without a master',
      argv: ['status'],
      want: /no master: pass --master https:\/\/fleet\.<domain>/,
    },
    {
      name: 'status without a token',
      argv: ['status', '--master', 'https://fleet.example.com'],
      want: /SUPAFLEET_API_TOKEN is not set: .*--scope read/,
    },
    {
      name: 'status with plain http to a public host',
      argv: ['status', '--master', 'http://fleet.example.com'],
      env: TOKEN,
      want: /--master "http:\/\/fleet\.example\.com" must be https/,
    },
    {
      name: 'status with a path in --master',
      argv: ['status', '--master', 'https://fleet.example.com/v1'],
      env: TOKEN,
      want: /must be the master's origin only/,
    },
    {
      name: 'status with a bad --timeout',
      argv: ['status', '--timeout', '0'],
      env: TOKEN,
      want: /--timeout "0" is not valid; expected seconds between 1 and 600/,
    },
    { name: 'doctor without a master', argv: ['doctor'], want: /no master: pass --master/ },
    {
      name: 'doctor with a bad project',
      argv: ['doctor', '--project', 'Acme!'],
      want: /--project "Acme!" is not a project name/,
    },
    {
      name: 'doctor with a bad --master-address',
      argv: ['doctor', '--master-address', 'fleet'],
      want: /--master-address "fleet" is not an IP address/,
    },
    {
      name: 'doctor with a bad --connect-to',
      argv: ['doctor', '--connect-to', 'nowhere'],
      want: /--connect-to "nowhere" is not valid/,
    },
    {
      name: 'doctor with a missing --cacert',
      argv: ['doctor', '--cacert', 'no-such.pem'],
      want: /--cacert no-such\.pem: ENOENT/,
    },
  ];
  for (const c of cases) {
    it(`when ${c.name}, then it exits 2 and says what is missing`, async () => {
      const run = await runCli(c.argv, { cwd: process.cwd(), env: c.env ?? {} });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(c.want);
      expect(run.stderr).not.toContain(TOKEN.SUPAFLEET_API_TOKEN);
    });
  }

  it('when the master cannot be reached, then status exits 2 with --json carrying the error and no token', async () => {
    // a port nothing listens on
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['status', '--master', closed, '--timeout', '2', '--json'], {
      cwd: process.cwd(),
      env: TOKEN,
    });
    expect(run.code).toBe(2);
    const out = JSON.parse(run.stdout) as { ok: boolean; exitCode: number; error: string };
    expect(out).toMatchObject({ ok: false, exitCode: 2 });
    expect(out.error).toContain(`cannot read the fleet from ${closed}: `);
    expect(out.error).toMatch(/ECONNREFUSED.*run supafleet doctor/);
    expect(run.stdout + run.stderr).not.toContain(TOKEN.SUPAFLEET_API_TOKEN);
  });

  it('when the master cannot be reached, then doctor exits 1 naming the master API as the first broken layer', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['doctor', '--master', closed, '--timeout', '2'], {
      cwd: process.cwd(),
      env: TOKEN,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^✓ dns +127\.0\.0\.1: an address, not a name/m);
    expect(run.stdout).toMatch(new RegExp(`^✗ master-api +${closed}: the master API does not answer`, 'm'));
    expect(run.stdout).toContain(`do this: check the master answers: curl ${closed}/healthz`);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^doctor: the first broken layer is master-api/);
  });

  it('when stdout and stderr are terminals, then doctor colours its marks and shows progress on stderr, and with --json neither', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const runTty = async (argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: { write: (t) => void (stdout += t) },
        stderr: { write: (t) => void (stderr += t) },
        readStdin: (max) => readStream(Readable.from([]), max),
        stdinIsTty: false,
        stdoutIsTty: true,
        stderrIsTty: true,
        env: TOKEN,
        cwd: process.cwd(),
      };
      const code = await main(argv, io);
      return { code, stdout, stderr };
    };
    const tty = await runTty(['doctor', '--master', closed, '--timeout', '2']);
    expect(tty.code).toBe(1);
    expect(tty.stdout).toContain('\x1b[31m✗\x1b[39m master-api');
    expect(tty.stderr).toContain(`doctor: asking the master API at ${closed}…`);
    expect(tty.stderr.endsWith('\r\x1b[2K')).toBe(true);
    const json = await runTty(['doctor', '--master', closed, '--timeout', '2', '--json']);
    expect(json.stderr).toBe('');
    expect(json.stdout).not.toContain('\x1b[');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBroken: { layer: 'master-api' } });
  });
});
