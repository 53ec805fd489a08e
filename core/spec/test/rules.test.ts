import { describe, expect, it } from 'vitest';
import { cronProblem } from '../rules/cron.ts';
import { domainProblem, hostnameProblem, labelProblem, reservedProblem } from '../rules/dns.ts';
import { emailProblem } from '../rules/email.ts';
import { sealPublicKeyProblem, sshPublicKeyProblem } from '../rules/keys.ts';
import { cidrProblem } from '../rules/network.ts';
import { isSecretPath, sealableFieldProblem, sealedProblem, secretNameProblem } from '../rules/sealed.ts';
import { httpsUrlProblem, originProblem, redirectUrlProblem } from '../rules/urls.ts';
import { fakeSealed } from '../../../test/support/fleet-fixture.ts';

/** Each rule: values it accepts, and values it refuses with the reason it gives. */
type Table = readonly (readonly [input: string, want: RegExp | undefined])[];

function check(rule: (v: string) => string | undefined, table: Table): void {
  it.each(table)('when given %j, then it says %s', (input, want) => {
    const got = rule(input);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
}

describe('labelProblem (project names, subdomains, fleet name)', () => {
  check(labelProblem, [
    ['acme', undefined],
    ['a1-b2', undefined],
    ['a'.repeat(32), undefined],
    ['ab', /too short/],
    ['a'.repeat(33), /33 characters/],
    ['Acme', /uppercase/],
    ['9lives', /does not start with a letter/],
    ['-acme', /does not start with a letter/],
    ['acme-', /ends with "-"/],
    ['ac.me', /contains "\."/],
    ['ac me', /contains " "/],
  ]);
});

describe('reservedProblem', () => {
  check(reservedProblem, [
    ['acme', undefined],
    ['www', /reserved/],
    ['studio', /reserved/],
    ['fleet', /reserved/],
    ['master', /reserved/],
  ]);
});

describe('hostnameProblem and domainProblem', () => {
  check(hostnameProblem, [
    ['smtp.example.com', undefined],
    ['SMTP.Example.com', undefined],
    ['localhost', undefined],
    ['smtp..example.com', /not a host name/],
    ['-smtp.example.com', /not a host name/],
    ['smtp_1.example.com', /not a host name/],
    ['', /not a host name/],
  ]);
  check(domainProblem, [
    ['example.com', undefined],
    ['fleet.example.co.uk', undefined],
    ['Example.com', /not a domain name/],
    ['example', /not a domain name/],
    ['example.123', /not a domain name/],
    ['exa mple.com', /not a domain name/],
  ]);
});

describe('emailProblem', () => {
  check(emailProblem, [
    ['no-reply@acme.com', undefined],
    ['first.last+tag@mail.acme.co', undefined],
    ['acme.com', /not an e-mail address/],
    ['a@b', /not an e-mail address/],
    ['Acme <a@acme.com>', /not an e-mail address/],
    ['a..b@acme.com', /not an e-mail address/],
  ]);
});

describe('URL rules', () => {
  describe('httpsUrlProblem', () => {
    check(httpsUrlProblem, [
      ['https://acme.com', undefined],
      ['https://acme.com/path?q=1', undefined],
      ['http://acme.com', /uses http; expected an https URL/],
      ['ftp://acme.com', /uses ftp/],
      ['https://user:pw@acme.com', /user name or password/],
      ['https://intranet/', /has no domain/],
      ['acme.com', /not a URL/],
      [' https://acme.com', /not a URL/],
    ]);
  });
  describe('originProblem (CORS)', () => {
    check(originProblem, [
      ['https://acme.com', undefined],
      ['https://acme.com/', undefined],
      ['https://acme.com:8443', undefined],
      ['https://acme.com/app', /not an origin/],
      ['https://acme.com?x=1', /not an origin/],
      ['http://acme.com', /uses http/],
    ]);
  });
  describe('redirectUrlProblem', () => {
    check(redirectUrlProblem, [
      ['https://acme.com/callback', undefined],
      ['https://acme.com/**', undefined],
      ['https://*.acme.com/*', undefined],
      ['http://localhost:3000/**', undefined],
      ['http://127.0.0.1:54321/cb', undefined],
      ['com.acme.app://login-callback', undefined],
      ['http://acme.com/callback', /http for a host other than localhost/],
      ['javascript:alert(1)', /scheme "javascript"/],
      ['data:text/html,hi', /scheme "data"/],
      ['myapp://callback', /scheme "myapp"/],
      ['https://a*.acme.com/', /wildcard inside the host/],
      ['https://acme.*.com/', /wildcard inside the host/],
      ['https://u:p@acme.com/', /user name or password/],
      ['not a url', /not a URL/],
      // GoTrue splits GOTRUE_URI_ALLOW_LIST at commas: one item would become two entries.
      ['https://acme.com/cb,https://evil.example/cb', /contains a comma.*several allow-list entries/],
      ['https://acme.com/a,b', /contains a comma/],
    ]);
  });
});

describe('cronProblem', () => {
  check(cronProblem, [
    ['0 3 * * *', undefined],
    ['*/15 * * * *', undefined],
    ['30 2 1-15 jan-jun mon-fri', undefined],
    ['0 0 * * 0,7', undefined],
    ['5,35 1-23/2 * * SUN', undefined],
    ['', /has 0 fields; expected 5/],
    ['0 3 * *', /has 4 fields/],
    ['0 0 3 * * *', /has 6 fields/],
    ['@daily', /has 1 fields/],
    ['60 3 * * *', /the minute "60" is out of range 0-59/],
    ['0 24 * * *', /the hour "24" is out of range 0-23/],
    ['0 3 0 * *', /the day of month "0" is out of range 1-31/],
    ['0 3 * 13 *', /the month "13" is out of range 1-12 \(or jan-dec\)/],
    ['0 3 * * 8', /the day of week "8" is out of range 0-7/],
    ['0 3 * * fri-mon', /range "fri-mon" runs backwards/],
    ['*/0 * * * *', /the step "0" in the minute field is out of range/],
    ['0 3 * * ?', /is not a number, range, step or \*/],
  ]);
});

describe('cidrProblem', () => {
  check(cidrProblem, [
    ['10.100.0.0/24', undefined],
    ['10.100.0.0/16', undefined],
    ['172.16.8.0/29', undefined],
    ['192.168.0.0/16', undefined],
    ['10.100.0.0/15', /expected a prefix from \/16 to \/29/],
    ['10.100.0.0/30', /expected a prefix from \/16 to \/29/],
    ['8.8.8.0/24', /not a private network/],
    ['172.32.0.0/24', /not a private network/],
    ['10.100.0.1/24', /host bits set; expected the network address 10\.100\.0\.0\/24/],
    ['10.100.0.0', /not an IPv4 CIDR/],
    ['10.100.00.0/24', /not an IPv4 CIDR/],
    ['10.256.0.0/24', /not an IPv4 CIDR/],
    ['fd00::/64', /not an IPv4 CIDR/],
  ]);
});

describe('key rules', () => {
  check(sealPublicKeyProblem, [
    ['IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=', undefined],
    ['IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM', /not a seal public key/],
    ['c2hvcnQ=', /not a seal public key/],
  ]);
  check(sshPublicKeyProblem, [
    [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com',
      undefined,
    ],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL', undefined],
    ['ssh-dss AAAAB3NzaC1kc3M= old', /"ssh-dss" is not a known key type/],
    ['ssh-ed25519', /has no base64 key data/],
    ['ssh-ed25519 not-base64!', /has no base64 key data/],
    ['ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7', /does not hold a ssh-ed25519 key/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', /this is a private key/],
  ]);
});

describe('sealed value rules', () => {
  it('when a value sits where it was sealed, then it is accepted', () => {
    expect(sealedProblem(fakeSealed('acme', 'auth.smtp.pass'), 'acme', 'auth.smtp.pass')).toBeUndefined();
  });

  it('when a plain value sits in a secret field, then the message never contains it', () => {
    const message = sealedProblem('hunter2', 'acme', 'auth.smtp.pass');
    expect(message).toMatch(/holds a plain value/);
    expect(message).not.toContain('hunter2');
  });

  check(secretNameProblem, [
    ['STRIPE_KEY', undefined],
    ['_X', undefined],
    ['stripe_key', /not an environment variable name/],
    ['1KEY', /not an environment variable name/],
    ['SUPABASE_SERVICE_ROLE_KEY', /starts with SUPABASE_/],
  ]);

  check(
    (field) => sealableFieldProblem(field, ['google', 'github']),
    [
      ['auth.smtp.pass', undefined],
      ['auth.external.google.secret', undefined],
      ['functions.secrets.STRIPE_KEY', undefined],
      ['auth.external.gitlab.secret', /unknown auth provider "gitlab"/],
      ['auth.smtp.user', /not a field that holds a sealed value/],
      ['functions.secrets.lower', /not an environment variable name/],
    ],
  );

  it.each([
    [['auth', 'smtp', 'pass'], true],
    [['auth', 'external', 'google', 'secret'], true],
    [['functions', 'secrets', 'ANY'], true],
    [['auth', 'smtp', 'user'], false],
    [['auth', 'external', 'google', 'client_id'], false],
    [['functions', 'secrets'], false],
  ] as const)('when the path is %j, then isSecretPath says %s', (path, want) => {
    expect(isSecretPath(path)).toBe(want);
  });
});
