/**
 * Kong 3.9.1's request path handling, transcribed from kong/tools/uri.lua (Kong/kong at tag 3.9.1):
 * the router matches the normalised path (kong/router/utils.lua:57-63 `strip_uri_args` calls
 * `normalize(uri, true)`), and the upstream path is `escape`d before it is sent
 * (kong/runloop/handler.lua:1324).
 */

/** uri.lua:28: the reserved characters, whose `%XX` triplets are kept (upper-cased). */
const RESERVED = new Set("!*'();:@&=+$,/?%#[]".split('').map((c) => c.charCodeAt(0)));

/** uri.lua:48-59: decode every `%XX` except reserved characters. Works on bytes (latin1 string). */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9a-f]{2})/gi, (m, hex: string) => {
    const n = parseInt(hex, 16);
    return RESERVED.has(n) ? m.toUpperCase() : String.fromCharCode(n);
  });
}

/**
 * uri.lua:78-167 `normalize(uri, merge_slashes)`: unreserved `%XX` decoded, dot segments
 * resolved (RFC 3986 5.2.4, `%2e` included), and with `mergeSlashes` runs of `/` merged.
 * Input and output are byte strings (each char one byte).
 */
export function normalizePath(input: string, mergeSlashes = true): string {
  let uri = input;
  if (uri === '' || uri === '/') return uri;
  if (uri.includes('%')) uri = decodeUnreserved(uri);
  if (!uri.includes('.') && (!mergeSlashes || !uri.includes('//'))) return uri;
  const out: string[] = [];
  // Bounded: every branch shortens `uri` by at least one character.
  while (uri.length > 0) {
    if (uri === '/.') uri = '/';
    else if (uri === '/..') {
      uri = '/';
      out.pop();
    } else if (uri === '.' || uri === '..') uri = '';
    else if (uri.startsWith('../')) uri = uri.slice(3);
    else if (uri.startsWith('./')) uri = uri.slice(2);
    else if (uri.startsWith('/./')) uri = uri.slice(2);
    else if (uri.startsWith('/../')) {
      uri = uri.slice(3);
      out.pop();
    } else if (mergeSlashes && uri.startsWith('//')) uri = uri.slice(1);
    else {
      const i = uri.indexOf('/', 1);
      if (i >= 0) {
        out.push(uri.slice(0, i));
        uri = uri.slice(i);
      } else {
        out.push(uri);
        uri = '';
      }
    }
  }
  return out.join('');
}

/** uri.lua:41,62-75 `escape`: percent-encode every byte outside the safe set. */
export function escapePath(path: string): string {
  return path.replace(
    /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
