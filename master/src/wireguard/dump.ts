import type { WgPeer } from './peers.ts';

/**
 * Parses `wg show <iface> dump`. Its first line describes the interface and holds the private
 * key: it is skipped and never echoed, and no error quotes any line of the output.
 */
export function parseWgDump(output: string): WgPeer[] {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const peers: WgPeer[] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.split('\t');
    if (f.length !== 8) {
      throw new Error(`wg show dump line ${i + 1} has ${f.length} fields: expected 8 per peer`);
    }
    const [publicKey, , endpoint, allowed, handshake] = f as [string, string, string, string, string];
    const seconds = Number(handshake);
    if (!Number.isInteger(seconds) || seconds < 0) {
      throw new Error(
        `wg show dump line ${i + 1} has an invalid latest-handshake field: expected unix seconds`,
      );
    }
    peers.push({
      publicKey,
      allowedIps: allowed === '(none)' ? [] : allowed.split(',').filter((x) => x !== ''),
      endpoint: endpoint === '(none)' ? null : endpoint,
      latestHandshake: seconds === 0 ? null : seconds,
    });
  }
  return peers.sort((a, b) => (a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0));
}
