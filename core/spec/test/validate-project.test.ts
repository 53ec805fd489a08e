import { describe, expect, it } from 'vitest';
import { fakeSealed } from '../../../test/support/fleet-fixture.ts';
import type { FleetSpec, ProjectSpec } from '../types.ts';
import { validateProjectObject } from '../validate-project.ts';

const fleet: FleetSpec = {
  name: 'prod',
  domain: 'example.com',
  github: { repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  storage_box: { host: 'u1.your-storagebox.de', user: 'u1' },
  seal: { public_key: 'IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=' },
};

const acme: ProjectSpec = {
  name: 'acme',
  server: { type: 'cx22', location: 'fsn1' },
  auth: {
    smtp: {
      host: 'smtp.example.com',
      port: 587,
      user: 'u',
      pass: fakeSealed('acme', 'auth.smtp.pass'),
      sender: 'a@acme.com',
    },
  },
};

describe('validateProjectObject (a spec posted as JSON)', () => {
  it('when the spec is valid, then there are no errors', () => {
    expect(validateProjectObject(acme, fleet)).toEqual([]);
  });

  it('when the spec has faults, then each is reported at line 1, column 1 (the start of the document) with its path', () => {
    const errors = validateProjectObject(
      { ...acme, server: { type: 'cx99', location: 'fsn1' }, extra: 1 },
      fleet,
      {
        file: 'projects/acme.yaml',
      },
    );
    expect(errors).toEqual([
      {
        file: 'projects/acme.yaml',
        line: 1,
        column: 1,
        path: '/extra',
        message: expect.stringMatching(/^unknown key "extra"/),
      },
      {
        file: 'projects/acme.yaml',
        line: 1,
        column: 1,
        path: '/server/type',
        message: expect.stringMatching(/^unknown server type "cx99"/),
      },
    ]);
  });

  it('when a file is given, then the name must match it', () => {
    const errors = validateProjectObject(acme, fleet, { file: 'projects/blog.yaml' });
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/name "acme" differs from the file name blog\.yaml/),
    ]);
  });

  it('when another project uses the subdomain, then it is an error', () => {
    const others: ProjectSpec[] = [
      { name: 'blog', subdomain: 'acme', server: { type: 'cx22', location: 'fsn1' } },
    ];
    expect(validateProjectObject(acme, fleet, { others })).toEqual([
      {
        file: '',
        line: 1,
        column: 1,
        path: '/name',
        message: expect.stringMatching(/subdomain "acme" is already used by project "blog"/),
      },
    ]);
  });

  it('when the only project with the subdomain is this one (an update), then it is accepted', () => {
    expect(validateProjectObject(acme, fleet, { others: [acme] })).toEqual([]);
  });

  it('when the value is not an object at all, then it says what is expected', () => {
    expect(validateProjectObject('acme', fleet)).toEqual([
      { file: '', line: 1, column: 1, path: '', message: '"acme" is a string; expected a mapping' },
    ]);
  });

  it('when a secret field holds a plain value, then the error does not contain it', () => {
    const errors = validateProjectObject(
      { ...acme, functions: { secrets: { API_KEY: 'plain-secret-77', NUM: 987654 } } },
      fleet,
    );
    expect(errors.map((e) => e.path)).toEqual(['/functions/secrets/API_KEY', '/functions/secrets/NUM']);
    expect(JSON.stringify(errors)).not.toMatch(/plain-secret-77|987654/);
  });
});
