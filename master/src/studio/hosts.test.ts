import { describe, expect, it } from 'vitest';
import { studioLink } from '../console/studio-link.ts';
import { projectOfStudioHost, studioHost } from './hosts.ts';

describe("a project's Studio host", () => {
  it('when a project is named, then its Studio is one label under the admin zone', () => {
    expect(studioHost('acme', 'admin.example.com')).toBe('studio-acme.admin.example.com');
  });

  it("when the console links a project, then it opens that project's Studio at Studio's one project", () => {
    expect(studioLink({ domain: 'example.com' }, 'acme')).toBe(
      'https://studio-acme.admin.example.com/project/default',
    );
    expect(studioLink({ domain: 'example.com', admin_domain: 'ops.example.net' }, 'blog')).toBe(
      'https://studio-blog.ops.example.net/project/default',
    );
  });

  const cases: { host: string; want: string | undefined }[] = [
    { host: 'studio-acme.admin.example.com', want: 'acme' },
    { host: 'STUDIO-Acme.Admin.Example.com:443', want: 'acme' },
    { host: 'studio-acme.admin.example.com.', want: 'acme' },
    { host: 'studio.admin.example.com', want: undefined },
    { host: 'studio-.admin.example.com', want: undefined },
    { host: 'studio-acme.example.com', want: undefined },
    { host: 'x.studio-acme.admin.example.com', want: undefined },
    { host: 'studio-acme.admin.example.com.evil.test', want: undefined },
    { host: 'studio-../x.admin.example.com', want: undefined },
  ];
  it.each(cases)('when the host is $host, then the project is $want', ({ host, want }) => {
    expect(projectOfStudioHost(host, 'admin.example.com')).toBe(want);
  });

  it('when the name is not a project name, then the host is refused, naming the value', () => {
    expect(() => studioHost('Acme!', 'admin.example.com')).toThrow(/"Acme!" is not a project name/);
  });
});
