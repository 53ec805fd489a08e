/**
 * The lab's Studio stand-in: one process per project, started by the lab's Studio runtime
 * (runtime.ts) with exactly the environment the master renders for that project's Studio
 * (master/src/studio/settings.ts), plus where to listen and how to reach the fleet's edge (see
 * README.md). It speaks the part of Studio's server the demo needs:
 *
 * - `GET /api/platform/profile`: 200, Studio's own health check (the pool's readiness probe);
 * - `GET /project/default` and `/project/default/<anything>`: a page listing the project's
 *   tables, fetched from STUDIO_PG_META_URL with the request Studio's server sends for its table
 *   list (fakes/studio/server.ts: headers, query, the service key as `apiKey`);
 * - anything else: 404.
 *
 * It is not Studio: no SQL editor, no auth or storage views, no assets.
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { studioTablesRequest, type StudioRequest } from '../../../fakes/studio/server.ts';

const env = process.env;
const need = (k: string): string => {
  const v = env[k];
  if (!v) throw new Error(`${k} is not set; the lab's Studio stand-in needs it`);
  return v;
};
const listen = need('LAB_STUDIO_LISTEN');
const edgeSocket = need('LAB_STUDIO_EDGE_SOCKET');
const caFile = need('LAB_STUDIO_EDGE_CA');
const [host, port] = [
  listen.slice(0, listen.lastIndexOf(':')),
  Number(listen.slice(listen.lastIndexOf(':') + 1)),
];

/** Sends one of Studio's requests to the fleet's edge (the lab's stand-in for DNS and the public CA). */
function send(r: StudioRequest): Promise<{ status: number; body: string }> {
  const url = new URL(r.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        socketPath: edgeSocket,
        servername: url.hostname,
        ca: readFileSync(caFile, 'utf8'),
        method: r.method,
        path: `${url.pathname}${url.search}`,
        headers: { ...r.headers, host: url.host },
        agent: false,
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within 15 s`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
      `<body><h1>${esc(title)}</h1>${body}</body></html>\n`,
  );
}

interface PgMetaTable {
  readonly schema: string;
  readonly name: string;
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && path === '/api/platform/profile') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return void res.end(JSON.stringify({ id: 1, username: 'supabase', stand_in: true }));
  }
  if (req.method === 'GET' && (path === '/project/default' || path.startsWith('/project/default/'))) {
    const project = env.DEFAULT_PROJECT_NAME ?? 'default';
    // Studio's table list request (every schema but pg-meta's system ones); the browser's own
    // headers are not forwarded here
    const ask = studioTablesRequest(env, { include_columns: 'false' });
    send(ask).then(
      ({ status, body }) => {
        if (status !== 200) {
          return html(
            res,
            502,
            `${project}: pg-meta answered ${status}`,
            `<pre>${esc(body.slice(0, 500))}</pre>`,
          );
        }
        const tables = (JSON.parse(body) as PgMetaTable[]).map((t) => `${t.schema}.${t.name}`).sort();
        html(
          res,
          200,
          `${project}: tables`,
          `<p id="studio-standin">Studio stand-in for project <b id="studio-project">${esc(project)}</b> ` +
            `(organization ${esc(env.DEFAULT_ORGANIZATION_NAME ?? '')}), ref default.</p>` +
            (tables.length
              ? `<ul id="tables">${tables.map((t) => `<li data-table="${esc(t)}">${esc(t)}</li>`).join('')}</ul>`
              : '<p id="no-tables">No tables yet.</p><ul id="tables"></ul>'),
        );
      },
      (err: Error) => html(res, 502, `${project}: pg-meta did not answer`, `<p>${esc(err.message)}</p>`),
    );
    return;
  }
  html(res, 404, 'Not found', `<p>The lab's Studio stand-in serves /project/default only.</p>`);
});
server.listen(port, host, () => process.stdout.write('ready\n'));
const stop = (): void => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
