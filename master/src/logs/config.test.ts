/** The master's Logflare settings, as `loadConfig` reads them for the log ingest. */
import { describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../../core/seal/index.ts';
import { ConfigError, loadConfig } from '../config.ts';

const keys = await generateSealKeypair();
const files: Record<string, string> = {
  '/fleet.yaml': `name: prod
domain: example.com
github: { repository_id: 1, owner_id: 2 }
master: { server: { type: cx32, location: fsn1 } }
network: { cidr: 10.100.0.0/24 }
storage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }
seal: { public_key: "${keys.publicKey}" }
`,
  '/run/secrets/logflare-token': 'token-from-a-file-0123456789\n',
};
const readText = async (p: string) => {
  const f = files[p];
  if (f === undefined) throw new Error(`ENOENT: no such file ${p}`);
  return f;
};
const base = {
  DATABASE_URL: 'postgres://supafleet:pw@127.0.0.1:5432/supafleet',
  SUPAFLEET_FLEET_FILE: '/fleet.yaml',
  SUPAFLEET_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
  SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey.reveal(),
  KONG_ADMIN_URL: 'http://127.0.0.1:8001',
  SUPAFLEET_WG_ENDPOINT: '203.0.113.10:51820',
};

describe('loadConfig: Logflare for worker logs', () => {
  it('when no Logflare token is set, then log shipping is off', async () => {
    expect((await loadConfig(base, readText)).logflare).toBeUndefined();
  });

  it('when the token is set, then Logflare is on loopback by default and the token is a Secret', async () => {
    const c = await loadConfig({ ...base, SUPAFLEET_LOGFLARE_TOKEN: 'token-in-env-0123456789' }, readText);
    expect(c.logflare?.url).toBe('http://127.0.0.1:4000');
    expect(c.logflare?.token.reveal()).toBe('token-in-env-0123456789');
    expect(JSON.stringify(c)).not.toContain('token-in-env-0123456789');
  });

  it('when the token is given as a file and the URL is set, then both are used', async () => {
    const c = await loadConfig(
      {
        ...base,
        SUPAFLEET_LOGFLARE_TOKEN_FILE: '/run/secrets/logflare-token',
        SUPAFLEET_LOGFLARE_URL: 'http://127.0.0.1:4001',
      },
      readText,
    );
    expect(c.logflare?.url).toBe('http://127.0.0.1:4001');
    expect(c.logflare?.token.reveal()).toBe('token-from-a-file-0123456789');
  });

  it('when the URL is not a URL, then the error names the setting', async () => {
    await expect(
      loadConfig(
        { ...base, SUPAFLEET_LOGFLARE_TOKEN: 't0123456789', SUPAFLEET_LOGFLARE_URL: 'logflare' },
        readText,
      ),
    ).rejects.toThrow(ConfigError);
    await expect(
      loadConfig(
        { ...base, SUPAFLEET_LOGFLARE_TOKEN: 't0123456789', SUPAFLEET_LOGFLARE_URL: 'logflare' },
        readText,
      ),
    ).rejects.toThrow(/SUPAFLEET_LOGFLARE_URL is "logflare"/);
  });
});
