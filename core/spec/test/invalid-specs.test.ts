import { describe, expect, it } from 'vitest';
import { fakeSealed, fleetYaml, projectYaml, writeFleetDir } from '../../../test/support/fleet-fixture.ts';
import { runCli } from '../../../test/support/cli-io.ts';
import { useTempDirs } from '../../../test/support/temp-dir.ts';

/**
 * A corpus of invalid specs, one fault each. Every case must make
 * `supafleet validate` exit 1 with exactly one error, in the right file, on the
 * line marked `# <-`, with a message that names what is wrong.
 */

const tempDir = useTempDirs();

const ACME = `name: acme
server:
  type: cx22
  location: fsn1
protect: true
auth:
  site_url: https://acme.com
  redirect_urls:
    - https://acme.com/callback
  signup: { enabled: true, email_autoconfirm: false }
  smtp:
    host: smtp.example.com
    port: 587
    user: apikey
    pass: ${fakeSealed('acme', 'auth.smtp.pass')}
    sender: no-reply@acme.com
  external:
    google:
      client_id: 1234.apps.googleusercontent.com
      secret: ${fakeSealed('acme', 'auth.external.google.secret')}
api:
  cors_origins: [https://acme.com]
functions:
  verify_jwt: true
  secrets:
    STRIPE_KEY: ${fakeSealed('acme', 'functions.secrets.STRIPE_KEY')}
storage:
  file_size_limit_mb: 50
backup:
  schedule: "0 3 * * *"
  keep: { daily: 7, weekly: 4, monthly: 6 }
  healthcheck_url: https://hc-ping.com/abc
`;

const FLEET = `${fleetYaml()}network: { cidr: 10.100.0.0/24 }
tls: { mode: on_demand, email: ops@example.com }
ssh:
  user: deploy
  authorized_keys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com
`;

/** Replaces `from` in `text` (which must contain it) by `to`. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** acme.yaml with one edit; the edited line gets the `# <-` marker. */
function acme(from: string, to: string): Record<string, string> {
  return { 'projects/acme.yaml': edit(ACME, from, `${to} # <-`) };
}

/** fleet.yaml with one edit, marked. */
function fleet(from: string, to: string): Record<string, string> {
  return { 'fleet.yaml': edit(FLEET, from, `${to} # <-`) };
}

interface Case {
  readonly name: string;
  readonly files: Record<string, string>;
  /** The file the error must name; defaults to the only file with a marker. */
  readonly file?: string;
  readonly message: RegExp;
}

const cases: Case[] = [
  // names
  {
    name: 'a name that differs from the file name',
    files: { 'projects/acme.yaml': projectYaml('acme2 # <-') },
    message: /name "acme2" differs from the file name acme\.yaml; expected "acme"/,
  },
  {
    name: 'a name with uppercase letters',
    files: { 'projects/Acme.yaml': projectYaml('Acme # <-') },
    message: /"Acme" is not a valid name \(uppercase letters\)/,
  },
  {
    name: 'a name shorter than 3 characters',
    files: { 'projects/ab.yaml': projectYaml('ab # <-') },
    message: /"ab" is not a valid name \(too short\)/,
  },
  {
    name: 'a name longer than 32 characters',
    files: { [`projects/${'a'.repeat(33)}.yaml`]: projectYaml(`${'a'.repeat(33)} # <-`) },
    message: /is not a valid name \(33 characters\)/,
  },
  {
    name: 'a name that starts with a digit',
    files: { 'projects/1acme.yaml': projectYaml('1acme # <-') },
    message: /"1acme" is not a valid name \(does not start with a letter\)/,
  },
  {
    name: 'a name that ends with a hyphen',
    files: { 'projects/acme-.yaml': projectYaml('acme- # <-') },
    message: /"acme-" is not a valid name \(ends with "-"\)/,
  },
  {
    name: 'a name with an underscore',
    files: { 'projects/ac_me.yaml': projectYaml('ac_me # <-') },
    message: /"ac_me" is not a valid name \(contains "_"\)/,
  },
  {
    name: 'the reserved name www',
    files: { 'projects/www.yaml': projectYaml('www # <-') },
    message: /"www" is reserved/,
  },
  {
    name: 'the reserved name api',
    files: { 'projects/api.yaml': projectYaml('api # <-') },
    message: /"api" is reserved/,
  },
  {
    name: 'a reserved subdomain',
    files: acme('name: acme', 'name: acme\nsubdomain: studio'),
    message: /"studio" is reserved/,
  },
  {
    name: 'a subdomain that is not a DNS label',
    files: acme('name: acme', 'name: acme\nsubdomain: acme.eu'),
    message: /"acme\.eu" is not a valid name \(contains "\."\)/,
  },
  {
    name: 'a subdomain another project already uses',
    files: {
      'projects/acme.yaml': ACME,
      'projects/blog.yaml': projectYaml('blog', 'subdomain: acme # <-\n'),
    },
    file: 'projects/blog.yaml',
    message: /subdomain "acme" is already used by projects\/acme\.yaml/,
  },
  {
    name: "a subdomain equal to another project's name, reported where the name is",
    files: {
      'projects/blog.yaml': projectYaml('blog', 'subdomain: shop\n'),
      'projects/shop.yaml': projectYaml('shop # <-'),
    },
    file: 'projects/shop.yaml',
    message: /subdomain "shop" is already used by projects\/blog\.yaml/,
  },
  // server
  {
    name: 'an unknown server type',
    files: acme('  type: cx22', '  type: cx99'),
    message: /unknown server type "cx99"; expected one of .*cx22, cx23/,
  },
  {
    name: 'an unknown location',
    files: acme('  location: fsn1', '  location: fsn9'),
    message: /unknown location "fsn9"; expected one of .*fsn1/,
  },
  {
    name: 'a server type not offered in the location',
    files: acme('  location: fsn1', '  location: ash'),
    message: /server type "cx22" is not offered in "ash"; expected one of its locations: fsn1, hel1, nbg1/,
  },
  {
    name: 'a missing server',
    files: { 'projects/acme.yaml': 'name: acme # <-\n' },
    message: /missing required key "server"/,
  },
  {
    name: 'a server without a location',
    files: { 'projects/acme.yaml': 'name: acme\nserver: # <-\n  type: cx22\n' },
    message: /missing required key "location"/,
  },
  // structure
  {
    name: 'an unknown top-level key',
    files: acme('protect: true', 'protected: true'),
    message: /unknown key "protected"; expected one of name, subdomain, server, protect/,
  },
  {
    name: 'an unknown nested key',
    files: acme('  location: fsn1', '  location: fsn1\n  size: large'),
    message: /unknown key "size"; expected one of type, location/,
  },
  {
    name: 'a string where a boolean belongs',
    files: acme('protect: true', 'protect: "yes"'),
    message: /"yes" is a string; expected true or false/,
  },
  {
    name: 'a port above 65535',
    files: acme('    port: 587', '    port: 70000'),
    message: /70000 is too large; expected at most 65535/,
  },
  {
    name: 'an upload limit of 0',
    files: acme('  file_size_limit_mb: 50', '  file_size_limit_mb: 0'),
    message: /0 is too small; expected at least 1/,
  },
  {
    name: 'an unknown auth provider',
    files: acme('    google:', '    googel:'),
    message: /unknown key "googel"; expected one of apple, azure/,
  },
  {
    name: 'a redirect URL listed twice',
    files: acme(
      '    - https://acme.com/callback',
      '    - https://acme.com/callback\n    - https://acme.com/callback',
    ),
    message: /"https:\/\/acme\.com\/callback" is listed twice/,
  },
  // URLs and addresses
  {
    name: 'a redirect URL with a comma (GoTrue would read two allow-list entries)',
    files: acme('    - https://acme.com/callback', '    - https://acme.com/callback,https://evil.example/x'),
    message:
      /contains a comma, which GoTrue would read as several allow-list entries; expected one URL per list item/,
  },
  // auth e-mail
  {
    name: 'e-mail sign-up with confirmation but no smtp',
    files: {
      'projects/acme.yaml': edit(
        ACME,
        ACME.slice(ACME.indexOf('  signup:'), ACME.indexOf('  external:')),
        '  signup: { enabled: true, email_autoconfirm: false } # <-\n',
      ),
    },
    message:
      /turns e-mail sign-up on with confirmation required .* no auth\.smtp .*expected one of: auth\.smtp with a mail server, auth\.signup\.email_autoconfirm: true, or auth\.signup\.enabled: false/,
  },
  {
    name: 'sign-up turned on without smtp, confirmation left at its default',
    files: {
      'projects/acme.yaml': edit(
        ACME,
        ACME.slice(ACME.indexOf('  signup:'), ACME.indexOf('  external:')),
        '  signup:\n    enabled: true # <-\n',
      ),
    },
    message: /no auth\.smtp to send the confirmation mail/,
  },
  {
    name: 'a site URL over http',
    files: acme('  site_url: https://acme.com', '  site_url: http://acme.com'),
    message: /"http:\/\/acme\.com" uses http; expected an https URL/,
  },
  {
    name: 'a site URL that is not a URL',
    files: acme('  site_url: https://acme.com', '  site_url: acme dot com'),
    message: /"acme dot com" is not a URL; expected an https URL/,
  },
  {
    name: 'a redirect URL over http to a public host',
    files: acme('    - https://acme.com/callback', '    - http://acme.com/callback'),
    message: /uses http for a host other than localhost/,
  },
  {
    name: 'a javascript: redirect URL',
    files: acme('    - https://acme.com/callback', '    - "javascript:alert(1)"'),
    message: /uses the scheme "javascript"/,
  },
  {
    name: 'a redirect URL with a wildcard inside the host',
    files: acme('    - https://acme.com/callback', '    - https://a*b.acme.com/callback'),
    message: /wildcard inside the host/,
  },
  {
    name: 'a CORS origin with a path',
    files: acme('  cors_origins: [https://acme.com]', '  cors_origins: [https://acme.com/app]'),
    message:
      /"https:\/\/acme\.com\/app" is not an origin; expected only scheme and host, such as https:\/\/acme\.com/,
  },
  {
    name: 'a health check URL over http',
    files: acme('  healthcheck_url: https://hc-ping.com/abc', '  healthcheck_url: http://hc-ping.com/abc'),
    message: /uses http; expected an https URL/,
  },
  {
    name: 'an OAuth provider URL over http',
    files: acme(
      '      client_id: 1234.apps.googleusercontent.com',
      '      client_id: 1234.apps.googleusercontent.com\n      url: http://sso.acme.com',
    ),
    message: /"http:\/\/sso\.acme\.com" uses http/,
  },
  {
    name: 'a sender that is not an e-mail address',
    files: acme('    sender: no-reply@acme.com', '    sender: Acme <no-reply@acme.com>'),
    message: /is not an e-mail address; expected an address such as no-reply@acme\.com/,
  },
  {
    name: 'an SMTP host that is not a host name',
    files: acme('    host: smtp.example.com', '    host: smtp..example.com'),
    message: /"smtp\.\.example\.com" is not a host name/,
  },
  // cron
  {
    name: 'a schedule with four fields',
    files: acme('  schedule: "0 3 * * *"', '  schedule: "0 3 * *"'),
    message: /"0 3 \* \*" has 4 fields; expected 5/,
  },
  {
    name: 'a schedule with minute 60',
    files: acme('  schedule: "0 3 * * *"', '  schedule: "60 3 * * *"'),
    message: /the minute "60" is out of range 0-59/,
  },
  {
    name: 'a schedule with an unknown day name',
    files: acme('  schedule: "0 3 * * *"', '  schedule: "0 3 * * funday"'),
    message: /the day of week "funday" is out of range 0-7/,
  },
  // sealed values
  {
    name: 'a plaintext SMTP password',
    files: acme(`    pass: ${fakeSealed('acme', 'auth.smtp.pass')}`, '    pass: hunter2-plaintext'),
    message: /auth\.smtp\.pass holds a plain value.*supafleet seal --project acme --field auth\.smtp\.pass/,
  },
  {
    name: 'a plaintext OAuth client secret',
    files: acme(
      `      secret: ${fakeSealed('acme', 'auth.external.google.secret')}`,
      '      secret: plaintext-oauth',
    ),
    message: /auth\.external\.google\.secret holds a plain value/,
  },
  {
    name: 'a plaintext function secret',
    files: acme(
      `    STRIPE_KEY: ${fakeSealed('acme', 'functions.secrets.STRIPE_KEY')}`,
      '    STRIPE_KEY: sk_live_plain',
    ),
    message: /functions\.secrets\.STRIPE_KEY holds a plain value/,
  },
  {
    name: 'a sealed value moved from another project',
    files: acme(
      `    pass: ${fakeSealed('acme', 'auth.smtp.pass')}`,
      `    pass: ${fakeSealed('blog', 'auth.smtp.pass')}`,
    ),
    message:
      /sealed for project "blog" field auth\.smtp\.pass, but sits in project "acme" field auth\.smtp\.pass/,
  },
  {
    name: 'a sealed value moved to another field',
    files: acme(
      `      secret: ${fakeSealed('acme', 'auth.external.google.secret')}`,
      `      secret: ${fakeSealed('acme', 'auth.smtp.pass')}`,
    ),
    message:
      /sealed for project "acme" field auth\.smtp\.pass, but sits in project "acme" field auth\.external\.google\.secret/,
  },
  {
    name: 'a sealed function secret moved to another name',
    files: acme(
      `    STRIPE_KEY: ${fakeSealed('acme', 'functions.secrets.STRIPE_KEY')}`,
      `    PAYPAL_KEY: ${fakeSealed('acme', 'functions.secrets.STRIPE_KEY')}`,
    ),
    message:
      /field functions\.secrets\.STRIPE_KEY, but sits in project "acme" field functions\.secrets\.PAYPAL_KEY/,
  },
  {
    name: 'a malformed sealed value',
    files: acme(`    pass: ${fakeSealed('acme', 'auth.smtp.pass')}`, '    pass: sealed:v1:acme'),
    message: /auth\.smtp\.pass holds a malformed sealed value/,
  },
  {
    name: 'a truncated sealed value',
    files: acme(
      `    pass: ${fakeSealed('acme', 'auth.smtp.pass')}`,
      '    pass: sealed:v1:acme:auth.smtp.pass:AAAA',
    ),
    message: /truncated or damaged sealed value/,
  },
  {
    name: 'a function secret name in lowercase',
    files: acme(
      `    STRIPE_KEY: ${fakeSealed('acme', 'functions.secrets.STRIPE_KEY')}`,
      `    stripe_key: ${fakeSealed('acme', 'functions.secrets.stripe_key')}`,
    ),
    message:
      /secret name "stripe_key" is not an environment variable name; expected \^\[A-Z_\]\[A-Z0-9_\]\*\$/,
  },
  {
    name: 'a function secret name the runtime reserves',
    files: acme(
      `    STRIPE_KEY: ${fakeSealed('acme', 'functions.secrets.STRIPE_KEY')}`,
      `    SUPABASE_URL: ${fakeSealed('acme', 'functions.secrets.SUPABASE_URL')}`,
    ),
    message: /secret name "SUPABASE_URL" starts with SUPABASE_/,
  },
  // fleet.yaml
  {
    name: 'a fleet name with uppercase letters',
    files: fleet('name: test', 'name: Test'),
    message: /"Test" is not a valid name \(uppercase letters\)/,
  },
  {
    name: 'a domain with uppercase letters',
    files: fleet('domain: example.com', 'domain: Example.com'),
    message: /"Example\.com" is not a domain name/,
  },
  {
    name: 'a domain without a dot',
    files: fleet('domain: example.com', 'domain: localhost'),
    message: /"localhost" is not a domain name/,
  },
  {
    name: 'a repository id given as a string',
    files: fleet('github: { repository_id: 1, owner_id: 2 }', 'github: { repository_id: "1", owner_id: 2 }'),
    message: /"1" is a string; expected an integer/,
  },
  {
    name: 'a repository that is not owner/name',
    files: fleet(
      'github: { repository_id: 1, owner_id: 2 }',
      'github: { repository: fleet, repository_id: 1, owner_id: 2 }',
    ),
    message: /"fleet" is not a repository; expected owner\/name/,
  },
  {
    name: 'an unknown master server type',
    files: fleet('  server: { type: cx32, location: fsn1 }', '  server: { type: cx320, location: fsn1 }'),
    message: /unknown server type "cx320"/,
  },
  {
    name: 'a public network',
    files: fleet('network: { cidr: 10.100.0.0/24 }', 'network: { cidr: 8.8.8.0/24 }'),
    message: /"8\.8\.8\.0\/24" is not a private network; expected one inside 10\.0\.0\.0\/8/,
  },
  {
    name: 'a network smaller than /29',
    files: fleet('network: { cidr: 10.100.0.0/24 }', 'network: { cidr: 10.100.0.0/30 }'),
    message: /is a \/30 network; expected a prefix from \/16 to \/29/,
  },
  {
    name: 'a network larger than /16',
    files: fleet('network: { cidr: 10.100.0.0/24 }', 'network: { cidr: 10.0.0.0/8 }'),
    message: /is a \/8 network; expected a prefix from \/16 to \/29/,
  },
  {
    name: 'a network written with host bits',
    files: fleet('network: { cidr: 10.100.0.0/24 }', 'network: { cidr: 10.100.0.1/24 }'),
    message: /has host bits set; expected the network address 10\.100\.0\.0\/24/,
  },
  {
    name: 'a seal public key of the wrong length',
    files: fleet(
      'seal: { public_key: "IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=" }',
      'seal: { public_key: "c2hvcnQ=" }',
    ),
    message: /"c2hvcnQ=" is not a seal public key; expected 44 characters of base64/,
  },
  {
    name: 'a fleet without a seal key',
    files: {
      'fleet.yaml': edit(
        edit(FLEET, 'name: test', 'name: test # <-'),
        'seal: { public_key: "IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=" }\n',
        '',
      ),
    },
    message: /missing required key "seal"/,
  },
  {
    name: 'an SSH key that is not an OpenSSH public key',
    files: fleet(
      '    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com',
      '    - my laptop key',
    ),
    message: /"my" is not a known key type/,
  },
  {
    name: 'an SSH private key pasted instead of the public key',
    files: fleet(
      '    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com',
      '    - "-----BEGIN OPENSSH PRIVATE KEY-----"',
    ),
    message: /this is a private key/,
  },
  {
    name: 'an SSH key whose data names another type',
    files: fleet(
      '    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com',
      '    - ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com',
    ),
    message: /the key data does not hold a ssh-rsa key/,
  },
  {
    name: 'SSH login as root',
    files: fleet('  user: deploy', '  user: root'),
    message: /"root" may not log in over SSH/,
  },
  {
    name: 'an unknown TLS mode',
    files: fleet(
      'tls: { mode: on_demand, email: ops@example.com }',
      'tls: { mode: manual, email: ops@example.com }',
    ),
    message: /"manual" is not allowed; expected one of on_demand, wildcard_dns/,
  },
  {
    name: 'wildcard certificates without a DNS provider',
    files: fleet(
      'tls: { mode: on_demand, email: ops@example.com }',
      'tls: { mode: wildcard_dns, email: ops@example.com }',
    ),
    message: /needs tls\.dns_provider/,
  },
  {
    name: 'an ACME e-mail that is not an address',
    files: fleet('tls: { mode: on_demand, email: ops@example.com }', 'tls: { mode: on_demand, email: ops }'),
    message: /"ops" is not an e-mail address/,
  },
];

function markedLine(text: string): number {
  const index = text.split('\n').findIndex((line) => line.includes('# <-'));
  if (index === -1) throw new Error('case has no # <- marker');
  return index + 1;
}

describe('supafleet validate on invalid specs', () => {
  it('when the corpus base is unchanged, then it is valid (so each case has exactly its one fault)', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'fleet.yaml': FLEET, 'projects/acme.yaml': ACME });
    const run = await runCli(['validate', '--root', root, '--json'], { cwd: root });
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, projects: 1, errors: [] });
    expect(run.code).toBe(0);
  });

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('when the spec has $name, then validate exits 1 naming the file and line', async (c) => {
    const root = await tempDir();
    await writeFleetDir(root, { 'fleet.yaml': FLEET, ...c.files });
    const file = c.file ?? Object.keys(c.files).find((f) => c.files[f]!.includes('# <-'))!;
    const run = await runCli(['validate', '--root', root, '--json'], { cwd: root });
    const body = JSON.parse(run.stdout) as {
      ok: boolean;
      errors: { file: string; line: number; message: string }[];
    };
    expect(run.code).toBe(1);
    expect(body.ok).toBe(false);
    expect(body.errors).toEqual([
      expect.objectContaining({
        file,
        line: markedLine(c.files[file]!),
        message: expect.stringMatching(c.message),
      }),
    ]);
  });
});
