import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFleetDir } from '../../../test/support/fleet-fixture.ts';
import { runCli } from '../../../test/support/cli-io.ts';
import { useTempDirs } from '../../../test/support/temp-dir.ts';
import { loadFleetDir } from '../load.ts';
import { parseSpecSource } from '../yaml-source.ts';

/**
 * Hostile or broken files: each is refused with a clear error in that file, and
 * none crashes or hangs the validator (each case here runs in milliseconds; the
 * validate benchmark watches speed).
 */

const tempDir = useTempDirs();
const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

function billionLaughs(): string {
  const names = 'abcdefghi'.split('');
  const lines = [`a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1]!;
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

interface HostileCase {
  readonly name: string;
  readonly content: string | Uint8Array;
  readonly message: RegExp;
  /** The line the first error must be on (1 for the file as a whole, as editors count). */
  readonly line?: number;
}

const cases: HostileCase[] = [
  {
    name: 'a file over 64 KiB',
    content: `name: acme\nx: "${'x'.repeat(70_000)}"\n`,
    message: /bytes; expected at most 65536 bytes/,
    line: 1,
  },
  { name: 'a billion-laughs alias bomb', content: billionLaughs(), message: /more than 10 aliases/, line: 3 },
  {
    name: 'a duplicate key',
    content: 'name: acme\nserver: { type: cx22, location: fsn1 }\nname: acme\n',
    message: /duplicate key "name" \(first at line 1\)/,
    line: 3,
  },
  { name: 'a custom tag', content: 'name: !shell acme\n', message: /tags are not accepted/, line: 1 },
  {
    name: 'a core tag (!!binary)',
    content: 'name: acme\nblob: !!binary aGVsbG8=\n',
    message: /explicit tag !!binary; tags are not accepted/,
    line: 2,
  },
  {
    name: 'a %TAG directive',
    content: '%TAG !e! tag:example.com,2000:\n---\nname: !e!x acme\n',
    message: /tags are not accepted|%TAG directive/,
  },
  {
    name: 'a %YAML 1.1 directive (merge keys, yes/no booleans)',
    content: '%YAML 1.1\n---\nname: acme\n',
    message: /only YAML 1\.2 is accepted/,
  },
  {
    name: 'bytes that are not UTF-8',
    content: Buffer.concat([utf8('name: acme\nx: "'), Buffer.from([0xff, 0xfe]), utf8('"\n')]),
    message: /not UTF-8: byte 0xff at offset 15/,
    line: 2,
  },
  {
    name: 'Latin-1 text',
    content: Buffer.from('name: caf\xe9\n', 'latin1'),
    message: /not UTF-8: byte 0xe9/,
    line: 1,
  },
  { name: 'UTF-16 text', content: Buffer.from('\ufeffname: acme\n', 'utf16le'), message: /not UTF-8/ },
  {
    name: 'an overlong UTF-8 encoding',
    content: Buffer.concat([utf8('name: '), Buffer.from([0xc0, 0xaf]), utf8('\n')]),
    message: /not UTF-8: byte 0xc0/,
  },
  { name: 'an empty file', content: '', message: /the file is empty/, line: 1 },
  {
    name: 'a file of comments only',
    content: '# nothing here\n\n',
    message: /holds no YAML document/,
    line: 1,
  },
  {
    name: 'a list instead of a mapping',
    content: '- name: acme\n',
    message: /the document is a list; expected a mapping/,
    line: 1,
  },
  {
    name: 'a single value instead of a mapping',
    content: 'acme\n',
    message: /the document is a single value; expected a mapping/,
    line: 1,
  },
  {
    name: 'several documents',
    content: 'name: acme\n---\nname: blog\n',
    message: /2 YAML documents .*expected exactly one/,
    line: 2,
  },
  {
    name: 'deeply nested flow lists',
    content: `name: ${'['.repeat(30_000)}${']'.repeat(30_000)}\n`,
    message: /brackets nested deeper than 32 levels/,
    line: 1,
  },
  {
    name: 'deeply nested mappings',
    content: Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k:`).join('\n') + ' 1\n',
    message: /nesting deeper than 32 levels/,
  },
  {
    name: 'a mapping with thousands of keys',
    content: `name: acme\n${Array.from({ length: 5000 }, (_, i) => `k${i}: 1`).join('\n')}\n`,
    message: /a mapping with 5001 keys; expected at most 1000/,
    line: 1,
  },
  {
    name: 'a list with thousands of items',
    content: `name: acme\napi:\n  cors_origins:\n${'    - https://a.io\n'.repeat(3000)}`,
    message: /a list with 3000 items; expected at most 1000/,
    line: 4,
  },
  {
    name: 'tabs as indentation',
    content: 'name: acme\nserver:\n\ttype: cx22\n',
    message: /invalid YAML: Tabs are not allowed/,
    line: 3,
  },
  { name: 'an unclosed quote', content: 'name: "acme\nserver: x\n', message: /invalid YAML/ },
  {
    name: 'a complex key',
    content: '? [a, b]\n: 1\nname: acme\n',
    message: /a key that is not a plain string/,
    line: 1,
  },
  {
    name: 'a null key',
    content: 'name: acme\n: x\n',
    message: /a key that is not a plain string|invalid YAML/,
  },
];

describe('hostile YAML', () => {
  it.each(cases)(
    'when a project file is $name, then validate exits 1 with a clear error in that file',
    async (c) => {
      const root = await tempDir();
      await writeFleetDir(root, { 'projects/acme.yaml': c.content });
      const run = await runCli(['validate', '--root', root, '--json'], { cwd: root });
      const body = JSON.parse(run.stdout) as { errors: { file: string; line: number; message: string }[] };
      expect(run.code).toBe(1);
      expect(body.errors.length).toBeGreaterThan(0);
      expect(body.errors.every((e) => e.file === 'projects/acme.yaml')).toBe(true);
      expect(body.errors[0]!.message).toMatch(c.message);
      if (c.line !== undefined) expect(body.errors[0]!.line).toBe(c.line);
    },
  );

  it('when a project file is a symbolic link (e.g. to a file holding secrets), then it is refused unread', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {});
    await mkdir(join(root, 'projects'));
    await symlink('/etc/passwd', join(root, 'projects', 'acme.yaml'));
    const result = await loadFleetDir(root);
    expect(result.errors).toEqual([
      {
        file: 'projects/acme.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'projects/acme.yaml is a symbolic link; expected a regular file',
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('root:');
  });

  it('when projects/ is a symbolic link to another folder, then nothing in it is read', async () => {
    const root = await tempDir();
    const elsewhere = await tempDir();
    await writeFleetDir(elsewhere, { 'projects/acme.yaml': 'secret-looking: value\n' });
    await writeFleetDir(root, {});
    await symlink(join(elsewhere, 'projects'), join(root, 'projects'));
    const result = await loadFleetDir(root);
    expect(result.errors).toEqual([
      {
        file: 'projects',
        line: 1,
        column: 1,
        path: '',
        message: 'projects is a symbolic link; expected a folder',
      },
    ]);
  });

  it('when projects/ holds a directory named like a spec, then it is refused', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {});
    await mkdir(join(root, 'projects', 'acme.yaml'), { recursive: true });
    const result = await loadFleetDir(root);
    expect(result.errors.map((e) => e.message)).toEqual([
      'projects/acme.yaml is not a regular file; expected a regular file',
    ]);
  });

  it('when a project file ends in .yml, then it is reported instead of silently ignored', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yml': 'name: acme\n' });
    const result = await loadFleetDir(root);
    expect(result.errors.map((e) => e.message)).toEqual([
      'projects/acme.yml ends in .yml; expected .yaml (rename it to projects/acme.yaml)',
    ]);
  });

  it('when a file has hundreds of unknown keys, then the errors are capped with a note', async () => {
    const root = await tempDir();
    const keys = Array.from({ length: 900 }, (_, i) => `k${i}: 1`).join('\n');
    await writeFleetDir(root, {
      'projects/acme.yaml': `name: acme\nserver: { type: cx22, location: fsn1 }\n${keys}\n`,
    });
    const result = await loadFleetDir(root);
    expect(result.errors).toHaveLength(51);
    expect(result.errors.some((e) => /850 more errors not shown/.test(e.message))).toBe(true);
  });

  it('when a file sets __proto__, then it is an unknown key and nothing is polluted', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'projects/acme.yaml':
        'name: acme\nserver: { type: cx22, location: fsn1 }\n__proto__: { polluted: true }\n',
    });
    const result = await loadFleetDir(root);
    expect(result.errors.map((e) => [e.line, e.path, e.message])).toEqual([
      [
        3,
        '/__proto__',
        'unknown key "__proto__"; expected one of name, subdomain, server, protect, auth, api, functions, storage, backup',
      ],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when YAML 1.1 merge keys are used, then "<<" is an unknown key rather than a merge', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'projects/acme.yaml': 'name: acme\nserver: &s { type: cx22, location: fsn1 }\nbackup:\n  <<: *s\n',
    });
    const result = await loadFleetDir(root);
    expect(result.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^unknown key "<<"/)]);
  });

  it('when aliases stay within the bound, then they are read like the values they name', () => {
    const parsed = parseSpecSource(utf8('a: &x [https://acme.com]\nb: *x\n'));
    expect(parsed.ok && parsed.value).toEqual({ a: ['https://acme.com'], b: ['https://acme.com'] });
  });

  it('when the file has Windows line endings, then errors still name the right line and column', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'projects/acme.yaml': 'name: acme\r\nserver:\r\n  type: cx99\r\n  location: fsn1\r\n',
    });
    const result = await loadFleetDir(root);
    expect(result.errors.map((e) => [e.line, e.column, e.path])).toEqual([[3, 9, '/server/type']]);
  });

  it('when the file starts with a UTF-8 byte order mark, then it is read normally', () => {
    const parsed = parseSpecSource(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('name: acme\n')]));
    expect(parsed.ok && parsed.value).toEqual({ name: 'acme' });
  });
});
