import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, type CliIo } from './io.ts';

/** Where `status` and `doctor` find the master: `--master` or $SUPAFLEET_MASTER_URL, the token in $SUPAFLEET_API_TOKEN. */
export interface MasterAccess {
  /** e.g. https://fleet.example.com, without a trailing slash */
  readonly url: string;
  readonly token: string;
}

/** https, or plain http on loopback only (a lab, an SSH tunnel). */
export function masterUrlFlag(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`--master "${value}" is not a URL; expected e.g. https://fleet.example.com`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new UsageError(`--master "${value}" must be https (plain http only on loopback)`);
  }
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) {
    throw new UsageError(
      `--master "${value}" must be the master's origin only, e.g. https://fleet.example.com`,
    );
  }
  return u.origin;
}

/** The master URL and operator token, or a usage error naming what to set. */
export function masterAccess(flag: string | undefined, io: Pick<CliIo, 'env'>, scope: string): MasterAccess {
  const url = flag ?? io.env.SUPAFLEET_MASTER_URL;
  if (!url) {
    throw new UsageError(
      `no master: pass --master https://fleet.<domain> (or set SUPAFLEET_MASTER_URL), with a token of ${scope} scope in SUPAFLEET_API_TOKEN`,
    );
  }
  const token = io.env.SUPAFLEET_API_TOKEN ?? '';
  if (token === '') {
    throw new UsageError(
      `SUPAFLEET_API_TOKEN is not set: make a token of ${scope} scope on the master (supafleet master token create --name me --scope ${scope})`,
    );
  }
  return { url: masterUrlFlag(url), token };
}

/** `--timeout <seconds>`: 1 to 600. */
export function timeoutFlag(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
    throw new UsageError(`--timeout "${value}" is not valid; expected seconds between 1 and 600`);
  }
  return seconds * 1000;
}

/** `--connect-to <address:port>`, as curl's --connect-to: every connection goes there. */
export function connectToFlag(value: string): { address: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new UsageError(`--connect-to "${value}" is not valid; expected address:port`);
  }
  return { address: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** `--cacert <file>`: the PEM text of a CA to trust, read relative to the working directory. */
export function cacertFlag(value: string | undefined, io: Pick<CliIo, 'cwd'>): string | undefined {
  if (value === undefined) return undefined;
  try {
    return readFileSync(resolve(io.cwd, value), 'utf8');
  } catch (err) {
    throw new UsageError(`--cacert ${value}: ${(err as Error).message}`);
  }
}
