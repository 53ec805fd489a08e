import { describe, expect, it } from 'vitest';
import { githubNewFileUrl } from './new-project-links.ts';

describe('githubNewFileUrl', () => {
  it('when given a repository, a file and its text, then the new-file page of main carries filename and value, percent-encoded', () => {
    const text =
      '# yaml-language-server: $schema=../schemas/project.schema.json\nname: shop\nbackup:\n  schedule: "0 3 * * *"\n';
    const url = githubNewFileUrl('acme-corp/fleet', 'projects/shop.yaml', text);
    expect(
      url.startsWith('https://github.com/acme-corp/fleet/new/main?filename=projects%2Fshop.yaml&value='),
    ).toBe(true);
    const parsed = new URL(url);
    expect(parsed.searchParams.get('filename')).toBe('projects/shop.yaml');
    expect(parsed.searchParams.get('value')).toBe(text);
    expect([...parsed.searchParams.keys()]).toEqual(['filename', 'value']);
    expect(url).not.toMatch(/[ \n"#]/);
  });

  it('when a branch is given, then the page is that branch', () => {
    expect(githubNewFileUrl('o/r', 'projects/a.yaml', '', 'release/1')).toBe(
      'https://github.com/o/r/new/release%2F1?filename=projects%2Fa.yaml&value=',
    );
  });

  it.each([
    'acme-corp',
    'acme-corp/fleet/extra',
    'https://github.com/acme-corp/fleet',
    'acme/..',
    '-x/fleet',
    '',
  ])('when the repository is %j, then it is refused with what is expected', (repository) => {
    expect(() => githubNewFileUrl(repository, 'projects/a.yaml', '')).toThrow(
      /is not owner\/name; expected e\.g\. acme-corp\/fleet/,
    );
  });
});
