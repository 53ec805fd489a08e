import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The agent's logger: JSON lines, no secret ever passed in. As a second line
 * of defence, fields that could carry credentials are censored by name.
 */
export function createLogger(project: string, destination?: DestinationStream, level = 'info'): Logger {
  const options = {
    level,
    base: { project },
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers',
        '*.headers',
        'password',
        '*.password',
        'key',
        '*.key',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
