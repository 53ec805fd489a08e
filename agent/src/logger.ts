/** Where log lines go: one JSON document and a newline per call. */
export interface LogDestination {
  write(line: string): void;
}

/** A log call: a message, or fields and a message. */
export interface LogFn {
  (message: string): void;
  (fields: Readonly<Record<string, unknown>>, message?: string): void;
}

/** The agent's logger. */
export interface Logger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
}

export type LogLevel = keyof Logger;

const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Fields censored by name, at the top level and one level down (`{req: {headers}}`). */
const CENSORED = new Set(['token', 'authorization', 'headers', 'password', 'key']);
const CENSOR = '[redacted]';

/**
 * The agent's logger: JSON lines (`level` as a number, `time` in ms, `project`,
 * the fields, `msg`), the shape log shippers know from pino, written
 * synchronously. No secret is ever passed in; as a second line of defence,
 * fields that could carry credentials are censored by name, and a `Secret`
 * prints itself as `[redacted]`. Written here rather than taken from a
 * logging library, which with its worker-thread transport machinery cost
 * the idle agent about 0.6 MB.
 */
export function createLogger(
  project: string,
  destination?: LogDestination,
  level: LogLevel = 'info',
): Logger {
  const out = destination ?? { write: (line: string) => void process.stdout.write(line) };
  const min = LEVELS[level];
  const make = (name: LogLevel): LogFn => {
    const value = LEVELS[name];
    return ((a: string | Readonly<Record<string, unknown>>, b?: string) => {
      if (value < min) return;
      const fields = typeof a === 'string' ? {} : censor(a);
      const message = typeof a === 'string' ? a : b;
      out.write(
        `${serialise({ level: value, time: Date.now(), project, ...fields, ...(message !== undefined ? { msg: message } : {}) })}\n`,
      );
    }) as LogFn;
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

function censor(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (CENSORED.has(k)) copy[k] = CENSOR;
    else if (isPlainObject(v)) {
      const inner: Record<string, unknown> = {};
      for (const [ik, iv] of Object.entries(v)) inner[ik] = CENSORED.has(ik) ? CENSOR : iv;
      copy[k] = inner;
    } else copy[k] = v;
  }
  return copy;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** JSON.stringify that never throws (cycles and BigInts become text) and writes Errors as their message. */
function serialise(value: object): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { type: v.name, message: v.message };
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}
