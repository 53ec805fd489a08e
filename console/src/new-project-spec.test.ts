import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkNewProject } from '../../core/spec/check-new-project.ts';
import {
  EMPTY_FORM,
  projectYaml,
  specFromForm,
  yamlScalar,
  type NewProjectForm,
} from './new-project-spec.ts';

const full: NewProjectForm = {
  ...EMPTY_FORM,
  name: 'shop',
  subdomain: 'store',
  serverType: 'cpx31',
  location: 'hel1',
  protect: false,
  siteUrl: ' https://shop.example.net ',
  redirectUrls: 'https://shop.example.net/account\n\n  http://localhost:3000/**\n',
  signupEnabled: true,
  emailAutoconfirm: true,
  corsOrigins: 'https://shop.example.net',
  fileSizeLimitMb: '100',
  backupSchedule: '15 1 * * *',
  keepDaily: '14',
  keepWeekly: '8',
  keepMonthly: '12',
};

describe('specFromForm and projectYaml (the New project form)', () => {
  it('when every field is filled, then the file has the keys in the order of the examples, block style', () => {
    expect(projectYaml(specFromForm(full))).toBe(
      [
        '# yaml-language-server: $schema=../schemas/project.schema.json',
        'name: shop',
        'subdomain: store',
        'server:',
        '  type: cpx31',
        '  location: hel1',
        'protect: false',
        'auth:',
        '  site_url: https://shop.example.net',
        '  redirect_urls:',
        '    - https://shop.example.net/account',
        '    - http://localhost:3000/**',
        '  signup:',
        '    enabled: true',
        '    email_autoconfirm: true',
        'api:',
        '  cors_origins:',
        '    - https://shop.example.net',
        'storage:',
        '  file_size_limit_mb: 100',
        'backup:',
        '  schedule: "15 1 * * *"',
        '  keep:',
        '    daily: 14',
        '    weekly: 8',
        '    monthly: 12',
        '',
      ].join('\n'),
    );
  });

  it('when the file is read back as YAML, then it is the spec, and the rules of supafleet validate accept it', () => {
    const spec = specFromForm(full);
    expect(parse(projectYaml(spec))).toEqual(spec);
    expect(checkNewProject(parse(projectYaml(spec)), { domain: 'example.com', taken: [] })).toEqual([]);
  });

  it('when only the name is filled, then the empty fields are left out and sign-up is written as off', () => {
    const spec = specFromForm({ ...EMPTY_FORM, name: 'blog' });
    expect(spec).toEqual({
      name: 'blog',
      server: { type: 'cx22', location: 'fsn1' },
      protect: true,
      auth: { signup: { enabled: false } },
      backup: { schedule: '0 3 * * *', keep: { daily: 7, weekly: 4, monthly: 6 } },
    });
    expect(checkNewProject(spec, { taken: [] })).toEqual([]);
  });

  it('when a number field holds text, then the text is kept so the schema names it', () => {
    const spec = specFromForm({ ...EMPTY_FORM, name: 'blog', fileSizeLimitMb: 'ten', keepDaily: '1.5' });
    expect(checkNewProject(spec, { taken: [] }).map((e) => [e.path, e.message])).toEqual([
      ['/backup/keep/daily', '1.5 is a number; expected an integer'],
      ['/storage/file_size_limit_mb', '"ten" is a string; expected an integer'],
    ]);
  });

  it('when the same form is built twice, then the text is the same', () => {
    expect(projectYaml(specFromForm(full))).toBe(projectYaml(specFromForm({ ...full })));
  });
});

describe('yamlScalar', () => {
  it.each([
    'acme',
    'https://acme.com',
    'https://*.acme.com/**',
    'com.acme.app://login-callback',
    '0 3 * * *',
    '*/5 * * * *',
    'true',
    'No',
    'null',
    '~',
    '123',
    '1e3',
    '0x10',
    'key: value',
    'a #comment',
    'ends:',
    '- item',
    '&anchor',
    '!tag',
    '"quoted"',
    "it's",
    '{a: 1}',
    '[1]',
    '@at',
    '%percent',
    '`tick',
    'tab\there',
    'line\nbreak',
    'ünïcödé',
    ' padded ',
    '',
  ])('when the string is %j, then YAML reads it back unchanged', (value) => {
    expect(parse(`v: ${yamlScalar(value)}\n`)).toEqual({ v: value });
  });

  it('when a string is a plain URL, then it is written without quotes, as the examples write it', () => {
    expect(yamlScalar('https://acme.com/auth/callback')).toBe('https://acme.com/auth/callback');
    expect(yamlScalar('0 3 * * *')).toBe('"0 3 * * *"');
  });
});
