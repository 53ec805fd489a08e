/**
 * The program of a stand-in service for the process runtime (tests and the
 * demo): a tiny HTTP server on HOST:PORT answering every request with 200,
 * or 503 while the file named by UNHEALTHY_FILE exists. A bundle ships it as
 * a file (e.g. `standin.mjs`) and names it in `standins.json`.
 */
export const STANDIN_SCRIPT = `import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
const flag = process.env.UNHEALTHY_FILE;
const server = createServer((req, res) => {
  const bad = Boolean(flag) && existsSync(flag);
  res.writeHead(bad ? 503 : 200, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ ok: !bad, service: process.env.SERVICE ?? '' }));
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;
