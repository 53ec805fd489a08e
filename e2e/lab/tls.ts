import { join } from 'node:path';
import { must } from './commands.ts';

/**
 * A self-signed certificate for the master's public name (`fleet.<domain>`),
 * made with openssl for one lab run: the workers' curl trusts it through
 * CURL_CA_BUNDLE, so enrollment goes over HTTPS as on a real worker.
 */
export function makeCertificate(dir: string, host: string): { cert: string; key: string } {
  const cert = join(dir, 'master-cert.pem');
  const key = join(dir, 'master-key.pem');
  must('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=DNS:${host}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}
