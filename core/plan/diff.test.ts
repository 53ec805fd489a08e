import { describe, expect, it } from 'vitest';
import { diffFields, displayValue } from './diff.ts';

describe('diffFields', () => {
  const cases = [
    {
      name: 'when a nested scalar changes, then its JSON pointer is reported',
      before: { a: { b: 1 } },
      after: { a: { b: 2 } },
      want: [{ path: '/a/b', before: '1', after: '2' }],
    },
    {
      name: 'when a key is added, then only after is set',
      before: {},
      after: { x: 'y' },
      want: [{ path: '/x', after: '"y"' }],
    },
    {
      name: 'when a key is removed, then only before is set',
      before: { x: true },
      after: {},
      want: [{ path: '/x', before: 'true' }],
    },
    {
      name: 'when an array changes, then the whole array is one change',
      before: { urls: ['a'] },
      after: { urls: ['a', 'b'] },
      want: [{ path: '/urls', before: '["a"]', after: '["a","b"]' }],
    },
    {
      name: 'when keys hold / or ~, then the pointer escapes them',
      before: { 'a/b~c': 1 },
      after: { 'a/b~c': 2 },
      want: [{ path: '/a~1b~0c', before: '1', after: '2' }],
    },
    {
      name: 'when only key order differs, then nothing changes',
      before: { a: 1, b: 2 },
      after: { b: 2, a: 1 },
      want: [],
    },
    {
      name: 'when a plaintext value sits at a secret path, then it is still masked',
      before: { auth: { smtp: { pass: 'hunter2' } } },
      after: { auth: { smtp: { pass: 'hunter3' } } },
      want: [{ path: '/auth/smtp/pass', before: '(sealed)', after: '(sealed, changed)' }],
    },
    {
      name: 'when an object with a sealed value is added, then each field shows and the secret is (sealed)',
      before: { auth: {} },
      after: { auth: { external: { google: { client_id: 'id', secret: 'sealed:v1:a:b:Zm9v' } } } },
      want: [
        { path: '/auth/external/google/client_id', after: '"id"' },
        { path: '/auth/external/google/secret', after: '(sealed)' },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(diffFields(c.before, c.after)).toEqual(c.want);
    });
  }

  it('when results are sorted, then paths come in code-point order', () => {
    const paths = diffFields({ b: 1, a: { z: 1, c: 1 } }, { b: 2, a: { z: 2, c: 2 } }).map((c) => c.path);
    expect(paths).toEqual(['/a/c', '/a/z', '/b']);
  });
});

describe('displayValue', () => {
  it('when a value is very long, then it is cut with an ellipsis', () => {
    const text = displayValue('/x', 'y'.repeat(500));
    expect(text.length).toBe(200);
    expect(text.endsWith('…')).toBe(true);
  });
});
