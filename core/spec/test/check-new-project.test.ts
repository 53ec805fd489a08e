import { describe, expect, it } from 'vitest';
import { checkNewProject, projectFile, type NewProjectContext } from '../check-new-project.ts';

const ctx: NewProjectContext = {
  domain: 'example.com',
  taken: [
    { name: 'acme', subdomain: 'acme' },
    { name: 'blog', subdomain: 'journal' },
  ],
};
const shop = { name: 'shop', server: { type: 'cx22', location: 'fsn1' } };

describe('checkNewProject (the console New project form)', () => {
  it('when the project is new and valid, then there are no errors', () => {
    expect(checkNewProject(shop, ctx)).toEqual([]);
  });

  it('when a project of the fleet has the name, then the name is refused and the subdomain is not reported twice', () => {
    expect(checkNewProject({ ...shop, name: 'acme' }, ctx)).toEqual([
      {
        file: 'projects/acme.yaml',
        line: 1,
        column: 1,
        path: '/name',
        message:
          'project "acme" already exists (projects/acme.yaml); expected a name no project of the fleet has',
      },
    ]);
  });

  it.each([
    { name: 'the subdomain', spec: { ...shop, subdomain: 'journal' }, path: '/subdomain' },
    { name: 'the name (served under it)', spec: { ...shop, name: 'journal' }, path: '/name' },
  ])(
    'when $name is another project subdomain, then the message is the one supafleet validate prints',
    ({ spec, path }) => {
      expect(checkNewProject(spec, ctx)).toEqual([
        expect.objectContaining({
          path,
          message:
            'subdomain "journal" is already used by projects/blog.yaml; expected a subdomain of its own (set subdomain: to another label)',
        }),
      ]);
    },
  );

  it('when the name is reserved, then the rule of supafleet validate says so', () => {
    expect(checkNewProject({ ...shop, name: 'studio' }, ctx).map((e) => e.message)).toEqual([
      '"studio" is reserved (the fleet uses it for its own hosts and services); choose another name',
    ]);
  });

  it('when the server and other fields are wrong, then every error comes at once with its path', () => {
    const errors = checkNewProject(
      {
        name: 'shop',
        server: { type: 'cx22', location: 'ash' },
        auth: { site_url: 'http://shop.example.net' },
        storage: { file_size_limit_mb: 'big' },
      },
      ctx,
    );
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      ['/auth/site_url', expect.stringContaining('"http://shop.example.net"')],
      ['/server/location', expect.stringMatching(/^server type "cx22" is not offered in "ash"/)],
      ['/storage/file_size_limit_mb', '"big" is a string; expected an integer'],
    ]);
  });

  it('when the name is missing, then the schema asks for it and no file is named', () => {
    const errors = checkNewProject({ server: shop.server }, ctx);
    expect(errors).toEqual([
      { file: '', line: 1, column: 1, path: '', message: 'missing required key "name"' },
    ]);
  });

  it('when asked for the file of a project, then it is projects/<name>.yaml', () => {
    expect(projectFile('shop')).toBe('projects/shop.yaml');
  });
});
