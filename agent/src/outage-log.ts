import type { Logger } from './logger.ts';

/** The log lines of one kind of request that can fail and be retried. */
export interface OutageMessages {
  /** Logged (warn) when the request starts failing. */
  readonly failing: string;
  /** Logged (info) when it works again after failing. */
  readonly recovered: string;
}

/**
 * Logs a request going from working to failing and back, once per change
 * rather than once per try: a master that is down for an hour costs two log
 * lines, not one per retry. Errors passed in must already be scrubbed.
 */
export class OutageLog {
  readonly #logger: Logger;
  readonly #messages: OutageMessages;
  #failing = false;

  constructor(logger: Logger, messages: OutageMessages) {
    this.#logger = logger;
    this.#messages = messages;
  }

  /** True between a failure and the next success. */
  get failing(): boolean {
    return this.#failing;
  }

  /** A try failed; logs only the first failure in a row. */
  failed(error: string, retryInMs: number): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#logger.warn({ error, retry_in_ms: retryInMs }, this.#messages.failing);
  }

  /** A try worked; logs only when it ends a run of failures. */
  succeeded(afterFailures: number): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.info({ after_failures: afterFailures }, this.#messages.recovered);
  }
}
