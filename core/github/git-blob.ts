import { createHash } from 'node:crypto';

/** The git blob id of a text file's content, as GitHub's tree API reports it. */
export function gitBlobSha(content: string): string {
  const body = Buffer.from(content, 'utf8');
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body]))
    .digest('hex');
}
