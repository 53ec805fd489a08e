/**
 * Edits of a wg-quick config file, as pure functions on its text. The `[Interface]` section and
 * anything before it stay byte for byte; peers are found by `PublicKey` and edited in place, new
 * peers are appended, so an edit never reorders or rewrites what it does not touch.
 */

interface Section {
  /** The section's lines, header included (the preamble has no header). */
  lines: string[];
  kind: 'preamble' | 'interface' | 'peer' | 'other';
}

function split(text: string): Section[] {
  const sections: Section[] = [{ lines: [], kind: 'preamble' }];
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!.trim().toLowerCase();
      sections.push({
        lines: [line],
        kind: name === 'peer' ? 'peer' : name === 'interface' ? 'interface' : 'other',
      });
    } else {
      sections[sections.length - 1]!.lines.push(line);
    }
  }
  return sections;
}

function join(sections: Section[]): string {
  const text = sections
    .filter((s) => s.lines.length > 0)
    .map((s) => s.lines.join('\n'))
    .join('\n');
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** `Key = value` of a line, keys compared case-insensitively like wg does; null for other lines. */
function entry(line: string): { key: string; value: string } | null {
  const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(line.replace(/#.*$/, ''));
  return m ? { key: m[1]!.toLowerCase(), value: m[2]! } : null;
}

function publicKeyOf(s: Section): string | null {
  for (const line of s.lines) {
    const e = entry(line);
    if (e && e.key === 'publickey') return e.value;
  }
  return null;
}

/** Removes trailing blank lines of a section so sections are separated by exactly one. */
function trimEnd(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  return out;
}

/** The peers the file declares: public key and allowed IPs. */
export function peersInConfig(text: string): { publicKey: string; allowedIps: string[] }[] {
  return split(text)
    .filter((s) => s.kind === 'peer')
    .map((s) => ({
      publicKey: publicKeyOf(s) ?? '',
      allowedIps: s.lines
        .map(entry)
        .filter((e): e is { key: string; value: string } => e !== null && e.key === 'allowedips')
        .flatMap((e) => e.value.split(',').map((x) => x.trim()))
        .filter((x) => x !== ''),
    }))
    .filter((p) => p.publicKey !== '');
}

/** The file with the peer present and `AllowedIPs` set to exactly `allowedIp`. */
export function withPeer(text: string, peer: { publicKey: string; allowedIp: string }): string {
  const sections = split(text);
  const existing = sections.find((s) => s.kind === 'peer' && publicKeyOf(s) === peer.publicKey);
  if (existing) {
    const kept = existing.lines.filter((l) => entry(l)?.key !== 'allowedips');
    const body = trimEnd(kept);
    const blank = kept.length - body.length;
    existing.lines = [...body, `AllowedIPs = ${peer.allowedIp}`, ...Array<string>(blank).fill('')];
    return join(sections);
  }
  const last = sections[sections.length - 1]!;
  const body = trimEnd(last.lines);
  last.lines = body.length === 0 ? [] : [...body, ''];
  sections.push({
    kind: 'peer',
    lines: ['[Peer]', `PublicKey = ${peer.publicKey}`, `AllowedIPs = ${peer.allowedIp}`],
  });
  return join(sections);
}

/** The file without the peer (unchanged when it is absent). */
export function withoutPeer(text: string, publicKey: string): string {
  const sections = split(text);
  const kept = sections.filter((s) => !(s.kind === 'peer' && publicKeyOf(s) === publicKey));
  if (kept.length === sections.length) return text;
  const last = kept[kept.length - 1]!;
  last.lines = trimEnd(last.lines);
  return join(kept);
}

/** Keys of `[Interface]` that only wg-quick understands; `wg` itself refuses them. */
const WG_QUICK_KEYS = new Set([
  'address',
  'mtu',
  'dns',
  'table',
  'preup',
  'predown',
  'postup',
  'postdown',
  'saveconfig',
]);

/**
 * What `wg-quick strip <file>` prints: the file without wg-quick's own `[Interface]` keys, each
 * line trimmed, as `wg syncconf` takes it. Used where `wg-quick` cannot run (it insists on
 * root, while the master may run unprivileged with CAP_NET_ADMIN).
 */
export function stripWgQuick(text: string): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let inInterface = false;
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    const stripped = line.replace(/#.*$/, '');
    const key = stripped.split('=')[0]!.trim().toLowerCase();
    if (key.startsWith('[')) inInterface = key === '[interface]';
    if (inInterface && WG_QUICK_KEYS.has(key)) continue;
    out.push(line);
  }
  return `${out.join('\n')}\n\n`;
}

/** The interface keys `wg syncconf` resets when a config leaves them out. */
const LIVE_KEYS: readonly [string, string][] = [
  ['privatekey', 'PrivateKey'],
  ['listenport', 'ListenPort'],
  ['fwmark', 'FwMark'],
];

/**
 * `stripped` with the interface's private key, listen port and fwmark taken from the live
 * interface (`wg showconf`) wherever the file leaves them out. `wg syncconf` replaces the whole
 * interface: without this, a file that keeps its private key elsewhere (set by a PostUp) or a
 * peers-only file would wipe the key and the port. Values in the file win.
 */
export function withLiveInterfaceKeys(stripped: string, showconf: string): string {
  const live = new Map<string, string>();
  const liveSection = split(showconf).find((s) => s.kind === 'interface');
  for (const l of liveSection?.lines ?? []) {
    const e = entry(l);
    if (e) live.set(e.key, e.value);
  }
  const sections = split(stripped);
  const iface = sections.find((s) => s.kind === 'interface');
  const have = new Set(
    (iface?.lines ?? []).map((l) => entry(l)?.key).filter((k): k is string => k !== undefined),
  );
  const missing = LIVE_KEYS.filter(([k]) => !have.has(k) && live.has(k) && live.get(k) !== '').map(
    ([k, name]) => `${name} = ${live.get(k)!}`,
  );
  if (missing.length === 0) return stripped;
  if (!iface) return `[Interface]\n${missing.join('\n')}\n\n${stripped.trimStart()}`;
  iface.lines.splice(1, 0, ...missing);
  return join(sections);
}
