/**
 * Checks of the master's own parts for the console's master health. A check never throws and
 * never waits long: it answers `ok` with a short detail (a version, a count) or not `ok` with the
 * reason. No check reports an address, a URL or a credential.
 */
export interface MasterCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export type Probe = () => Promise<MasterCheck>;

/**
 * Kong's Admin API on this host. Kong 3.9.1 answers `GET /status` with 200 and
 * `database.reachable` (false when it cannot connect to its Postgres), and `GET /` with its
 * `version` (Kong/kong 3.9.1, kong/api/routes/health.lua:15-68, kong/api/routes/kong.lua:73-132).
 */
export function kongProbe(adminUrl: string, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Probe {
  const get = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const base = adminUrl.replace(/\/+$/, '');
  let version: string | null = null;
  return async () => {
    try {
      const status = await get(`${base}/status`, { signal: AbortSignal.timeout(timeoutMs) });
      if (status.status !== 200) {
        return { name: 'Kong', ok: false, detail: `its Admin API answered ${status.status} to GET /status` };
      }
      const body = (await status.json()) as { database?: { reachable?: unknown } };
      if (version === null) {
        const root = await get(`${base}/`, { signal: AbortSignal.timeout(timeoutMs) });
        const v = root.ok ? ((await root.json()) as { version?: unknown }).version : undefined;
        if (typeof v === 'string' && /^[\w.+-]{1,40}$/.test(v)) version = v;
      }
      if (body.database?.reachable === false) {
        return { name: 'Kong', ok: false, detail: 'cannot reach its database' };
      }
      return { name: 'Kong', ok: true, detail: version ?? 'up' };
    } catch {
      return { name: 'Kong', ok: false, detail: `its Admin API does not answer within ${timeoutMs} ms` };
    }
  };
}
