import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The master's logger. Lines carry no secrets by construction (no bodies, no
 * headers are logged; `Secret` prints `[redacted]`); the redact list is a second
 * net for fields that must never appear.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'secrets',
  '*.secrets',
  'password',
  '*.password',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = {
    level,
    base: { service: 'supafleet-master' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(opts, destination) : pino(opts);
}
