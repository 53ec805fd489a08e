import { describe, expect, it } from 'vitest';
import { resolveSettings, type InitFlags } from './settings.ts';

const env = { GITHUB_TOKEN: 'ghp_x', HOME: '/home/op' };
const flags: InitFlags = {
  root: '.',
  repo: 'acme-corp/fleet',
  domain: 'example.com',
  storageBoxHost: 'u1.your-storagebox.de',
  storageBoxId: '4711',
  sshKey: ['ssh-ed25519 AAAA op@laptop'],
};
const none = (): undefined => undefined;

describe('resolveSettings', () => {
  it('when only the required flags are given, then the rest are defaults and the key stays outside the repository', async () => {
    const s = await resolveSettings(flags, env, '/work/fleet', undefined, none);
    expect(s.fleet).toMatchObject({
      name: 'prod',
      location: 'fsn1',
      masterType: 'cx32',
      cidr: '10.100.0.0/24',
      tlsMode: 'on_demand',
      sshUser: 'deploy',
      storageBox: { host: 'u1.your-storagebox.de', user: 'u1', id: 4711 },
    });
    expect(s.masterUrl).toBe('https://fleet.example.com');
    expect(s.keyDir).toBe('/home/op/.config/supafleet/prod');
  });

  const refusals = [
    { name: '--domain is missing', change: { domain: undefined }, want: /^--domain is required/ },
    {
      name: '--storage-box-id is missing',
      change: { storageBoxId: undefined },
      want: /^--storage-box-id is required/,
    },
    {
      name: '--storage-box-id is not a number',
      change: { storageBoxId: 'box' },
      want: /--storage-box-id "box" is not/,
    },
    {
      name: 'the type is not sold there',
      change: { masterType: 'cax11', location: 'ash' },
      want: /--master-type "cax11"/,
    },
    { name: 'the key dir is in the repository', change: { keyDir: 'keys' }, want: /inside the repository/ },
    {
      name: 'the repository is not owner/name',
      change: { repo: 'fleet' },
      want: /--repo "fleet" is not owner\/name/,
    },
  ];
  for (const r of refusals) {
    it(`when ${r.name} under --yes, then the error names the flag and what is expected`, async () => {
      await expect(
        resolveSettings({ ...flags, ...r.change }, env, '/work/fleet', undefined, none),
      ).rejects.toThrow(r.want);
    });
  }

  it('when GITHUB_TOKEN is not set, then it says which permissions the token needs', async () => {
    await expect(resolveSettings(flags, { HOME: '/h' }, '/w', undefined, none)).rejects.toThrow(
      /GITHUB_TOKEN is not set: .*Secrets, Variables, Environments/,
    );
  });

  it('when fleet.yaml has values and a seal key, then they are used and the key is kept', async () => {
    const text =
      'name: blue\ndomain: example.org\nstorage_box: { host: u9.your-storagebox.de, user: u9, id: 9 }\nseal: { public_key: "PK" }\n';
    const s = await resolveSettings(
      { root: '.', repo: 'acme-corp/fleet', sshKey: ['ssh-ed25519 AAAA op'] },
      env,
      '/w',
      text,
      none,
    );
    expect(s.fleet).toMatchObject({
      name: 'blue',
      domain: 'example.org',
      sealPublicKey: 'PK',
      storageBox: { id: 9 },
    });
  });
});

describe('resolveSettings on a terminal', () => {
  it('when a value has no flag, then it is asked with its default, types show their monthly price, and an empty answer takes the default', async () => {
    const asked: string[] = [];
    const answers: Record<string, string> = {
      'Domain (projects are served at <project>.<domain>)?': 'example.net',
      'Storage Box host (uXXXXXX.your-storagebox.de)?': 'u7.your-storagebox.de',
      'Storage Box id (Hetzner Console → Storage Boxes; each project gets its own sub-account)?': '7',
      'Required reviewers of production runs (GitHub logins, comma-separated)?': '@alice, bob',
    };
    const ask = async (question: string, fallback?: string): Promise<string> => {
      asked.push(`${question} [${fallback ?? ''}]`);
      return answers[question] ?? '';
    };
    const s = await resolveSettings(
      { root: '.', repo: 'acme-corp/fleet', sshKey: ['ssh-ed25519 AAAA op'] },
      env,
      '/w',
      undefined,
      none,
      ask,
    );
    expect(s.fleet).toMatchObject({
      domain: 'example.net',
      location: 'fsn1',
      masterType: 'cx32',
      storageBox: { id: 7 },
    });
    expect(s.reviewers).toEqual(['alice', 'bob']);
    const typeQuestion = asked.find((q) => q.startsWith('Master server type'))!;
    expect(typeQuestion).toMatch(/cx32 \d+ vCPU \d+ GB \d+\.\d\d EUR\/month/);
    expect(typeQuestion).toMatch(/\[cx32\]$/);
    expect(asked.find((q) => q.startsWith('Location'))).toMatch(/fsn1 Falkenstein.*\[fsn1\]$/);
  });
});
