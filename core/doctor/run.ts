/**
 * `supafleet doctor`: observes a live fleet through {@link DoctorIo} (the master API with the
 * operator token, then DNS, TLS and Kong for each host), then diagnoses (diagnose.ts). Hosts are
 * asked a few at a time; every call is bounded by the io's timeout.
 */
import { readFleet } from '../fleet-status/read.ts';
import { diagnose, doctorHosts } from './diagnose.ts';
import { askKong, type DoctorIo } from './probes.ts';
import type { DnsSeen, DoctorReport, KongSeen, TlsSeen } from './types.ts';

export interface DoctorOptions {
  readonly masterUrl: string;
  readonly token: string;
  readonly io: DoctorIo;
  readonly timeoutMs: number;
  readonly project?: string;
  readonly masterAddress?: string;
  readonly connectTo?: { readonly address: string; readonly port: number };
  /** Told what is being asked now (a progress line on a terminal). */
  readonly progress?: (text: string) => void;
  readonly now?: () => Date;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const say = o.progress ?? (() => undefined);
  say(`doctor: asking the master API at ${o.masterUrl}…`);
  const master = await readFleet({
    masterUrl: o.masterUrl,
    token: o.token,
    fetch: o.io.fetch,
    timeoutMs: o.timeoutMs,
  });
  const base = { masterUrl: o.masterUrl, master, ...(o.project !== undefined ? { project: o.project } : {}) };
  const hosts = doctorHosts(base);

  const dns = new Map<string, DnsSeen>();
  if (!o.connectTo) {
    await eachLimited(hosts, 4, async (h) => {
      say(`doctor: resolving ${h.host}…`);
      dns.set(h.host, await o.io.resolve(h.host));
    });
  }
  const tls = new Map<string, TlsSeen>();
  await eachLimited(
    hosts.filter((h) => h.tls),
    4,
    async (h) => {
      say(`doctor: TLS handshake with ${h.host}…`);
      tls.set(h.host, await o.io.handshake(h.host));
    },
  );
  const kong = new Map<string, KongSeen>();
  await eachLimited(
    hosts.filter((h) => h.project !== undefined),
    4,
    async (h) => {
      say(`doctor: asking Kong for ${h.host}/rest/v1/…`);
      const scheme = h.tls ? 'https' : 'http';
      kong.set(h.project!, await askKong(o.io, `${scheme}://${h.host}/rest/v1/`, o.timeoutMs));
    },
  );
  return diagnose({
    ...base,
    dns,
    tls,
    kong,
    now: (o.now ?? (() => new Date()))(),
    ...(o.masterAddress ? { masterAddress: o.masterAddress } : {}),
    ...(o.connectTo ? { connectTo: o.connectTo } : {}),
  });
}
