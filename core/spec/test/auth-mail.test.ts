import { describe, expect, it } from 'vitest';
import { resolveProject } from '../defaults.ts';
import { authMailIssue } from '../rules/auth-mail.ts';
import type { ProjectSpec } from '../types.ts';

const server = { type: 'cx22', location: 'fsn1' } as const;
const smtp = {
  host: 'smtp.example.com',
  port: 587,
  user: 'apikey',
  pass: 'sealed:v1:acme:auth.smtp.pass:AAAA',
  sender: 'no-reply@acme.com',
};

describe('auth e-mail: sign-up needs SMTP unless it confirms at once', () => {
  const cases: { name: string; auth: ProjectSpec['auth']; want: string[] | undefined }[] = [
    {
      name: 'sign-up on, confirmation required, no smtp',
      auth: { signup: { enabled: true, email_autoconfirm: false } },
      want: ['auth', 'signup', 'email_autoconfirm'],
    },
    {
      name: 'sign-up on, confirmation left out, no smtp',
      auth: { signup: { enabled: true } },
      want: ['auth', 'signup', 'enabled'],
    },
    {
      name: 'sign-up on, autoconfirm, no smtp',
      auth: { signup: { enabled: true, email_autoconfirm: true } },
      want: undefined,
    },
    {
      name: 'sign-up off, no smtp',
      auth: { signup: { enabled: false, email_autoconfirm: false } },
      want: undefined,
    },
    { name: 'nothing said about sign-up, no smtp', auth: { site_url: 'https://acme.com' }, want: undefined },
    { name: 'no auth block at all', auth: undefined, want: undefined },
    {
      name: 'sign-up on with confirmation and smtp',
      auth: { signup: { enabled: true }, smtp },
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(`when ${c.name}, then ${c.want ? `it is refused at ${c.want.join('.')}` : 'it is accepted'}`, () => {
      const spec = { name: 'acme', server, ...(c.auth ? { auth: c.auth } : {}) };
      const issue = authMailIssue(spec);
      expect(issue?.path).toEqual(c.want);
      if (issue) expect(issue.message).toMatch(/project "acme" .* no auth\.smtp/);
    });
  }

  it('when a project has no smtp and says nothing about sign-up, then sign-up is off (no confirmation mail could be sent)', () => {
    expect(resolveProject({ name: 'acme', server }).auth.signup).toEqual({
      enabled: false,
      email_autoconfirm: false,
    });
  });

  it('when a project has smtp and says nothing about sign-up, then sign-up is on with confirmation', () => {
    expect(resolveProject({ name: 'acme', server, auth: { smtp } }).auth.signup).toEqual({
      enabled: true,
      email_autoconfirm: false,
    });
  });
});
