import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { assertUserDataBudget, userDataSize, USER_DATA_LIMIT } from './budget.ts';
import { deterministicGzip, packFile } from './pack.ts';

describe('packing write_files', () => {
  it('when text is gzipped, then the header has no mtime or file name and the bytes never change', () => {
    const a = deterministicGzip('hello '.repeat(100));
    expect(a.readUInt32LE(4)).toBe(0);
    expect(a[3]).toBe(0); // FLG: no FNAME, no FCOMMENT, no FEXTRA
    expect(a.equals(deterministicGzip('hello '.repeat(100)))).toBe(true);
    expect(gunzipSync(a).toString()).toBe('hello '.repeat(100));
  });

  it('when a file is large and repetitive, then it is packed as gzip+base64', () => {
    const entry = packFile({
      path: '/x.sh',
      content: '#!/bin/sh\necho supafleet\n'.repeat(50),
      permissions: '0755',
    });
    expect(entry.encoding).toBe('gzip+base64');
    expect(gunzipSync(Buffer.from(entry.content, 'base64')).toString()).toContain('echo supafleet');
  });

  it('when a file is tiny, then it stays plain text because packing would make it bigger', () => {
    const entry = packFile({ path: '/x', content: 'a\n', permissions: '0644' });
    expect(entry.encoding).toBeUndefined();
    expect(entry.content).toBe('a\n');
  });

  it('when the owner is root:root, then it is left to cloud-init’s default', () => {
    expect(
      packFile({ path: '/x', content: 'a', permissions: '0644', owner: 'root:root' }),
    ).not.toHaveProperty('owner');
  });
});

describe('the user_data budget', () => {
  it('when sizes are measured, then they count UTF-8 bytes, not characters', () => {
    expect(userDataSize('é🚀')).toBe(6);
  });

  it('when user_data fits in 32 KiB, then its size is returned', () => {
    expect(assertUserDataBudget('x'.repeat(USER_DATA_LIMIT), [])).toBe(USER_DATA_LIMIT);
  });

  it('when user_data is over 32 KiB, then the error gives the size and lists the largest parts first', () => {
    const parts = [
      { name: 'small', bytes: 10 },
      { name: 'compose', bytes: 30_000 },
      { name: 'script', bytes: 3_000 },
    ];
    expect(() => assertUserDataBudget('x'.repeat(USER_DATA_LIMIT + 1), parts)).toThrow(
      /user_data is 32769 bytes, over the 32768-byte limit .*largest parts: compose \(30000 bytes\), script \(3000 bytes\), small/,
    );
  });
});
