import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value that refuses to print itself: `String(s)`, `JSON.stringify(s)`,
 * template literals and `util.inspect` (console.log, pino) all give `[redacted]`.
 * Only `reveal()` returns the value, so every use of the plaintext is explicit.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plaintext. Call it only where the value is handed to its consumer. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}
