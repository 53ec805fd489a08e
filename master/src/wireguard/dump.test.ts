import { describe, expect, it } from 'vitest';
import { parseWgDump } from './dump.ts';

const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const MASTER = 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=';
const K1 = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const K2 = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';

describe('parseWgDump', () => {
  it('when wg lists two peers, then the interface line is skipped and each peer is parsed', () => {
    const out = [
      [PRIVATE, MASTER, '51820', 'off'].join('\t'),
      [K1, '(none)', '192.168.77.2:40000', '10.100.0.2/32', '1764000000', '1000', '2000', 'off'].join('\t'),
      [K2, '(none)', '(none)', '(none)', '0', '0', '0', '25'].join('\t'),
      '',
    ].join('\n');
    expect(parseWgDump(out)).toEqual([
      { publicKey: K2, allowedIps: [], endpoint: null, latestHandshake: null },
      {
        publicKey: K1,
        allowedIps: ['10.100.0.2/32'],
        endpoint: '192.168.77.2:40000',
        latestHandshake: 1764000000,
      },
    ]);
  });

  it('when only the interface line is there, then there are no peers and the private key goes nowhere', () => {
    const peers = parseWgDump(`${PRIVATE}\t${MASTER}\t51820\toff\n`);
    expect(peers).toEqual([]);
    expect(JSON.stringify(peers)).not.toContain(PRIVATE);
  });

  it('when a peer line is malformed, then the error gives the line number but quotes nothing', () => {
    const out = `${PRIVATE}\t${MASTER}\t51820\toff\n${K1}\tsecret-psk\tbroken\n`;
    expect(() => parseWgDump(out)).toThrow('wg show dump line 2 has 3 fields: expected 8 per peer');
    try {
      parseWgDump(out);
    } catch (err) {
      expect(String(err)).not.toContain(PRIVATE);
      expect(String(err)).not.toContain('secret-psk');
    }
  });
});
