/**
 * Faults the fake can inject. `match` is a call kind (`POST /servers`, `GET /actions/{id}`)
 * or `*`; `times` is how many matching requests the fault hits (default 1).
 */
export type Fault =
  /** Answer with this status and error code instead of serving the request. */
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly code?: string;
      readonly match?: string;
      readonly times?: number;
      readonly html?: boolean;
    }
  /** Empty the rate-limit bucket: requests meet 429 `rate_limit_exceeded` until it refills. */
  | { readonly kind: 'drain_rate_limit' }
  /** Never answer (the client must time out). */
  | { readonly kind: 'hang'; readonly match?: string; readonly times?: number }
  /** Serve the request, then answer 504 `timeout` instead of the result (a lost response). */
  | { readonly kind: 'lose_response'; readonly match?: string; readonly times?: number }
  /** The next action with this command (or any) ends in `error`. */
  | {
      readonly kind: 'action_error';
      readonly command?: string;
      readonly code?: string;
      readonly message?: string;
      readonly times?: number;
    };

export const DEFAULT_ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'json_error',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'resource_unavailable',
  422: 'invalid_input',
  423: 'locked',
  429: 'rate_limit_exceeded',
  500: 'server_error',
  502: 'bad_gateway',
  503: 'unavailable',
  504: 'timeout',
};

interface Armed {
  fault: Fault;
  left: number;
}

/** The queue of armed faults, consumed in order. */
export class FaultQueue {
  private readonly armed: Armed[] = [];

  add(fault: Fault): void {
    const times = 'times' in fault && fault.times !== undefined ? fault.times : 1;
    this.armed.push({ fault, left: times });
  }

  /** Takes one hit of the first request fault matching this call kind. */
  takeRequestFault(kind: string): Fault | undefined {
    const found = this.armed.find(
      (a) =>
        a.left > 0 &&
        a.fault.kind !== 'action_error' &&
        a.fault.kind !== 'drain_rate_limit' &&
        matches(a.fault, kind),
    );
    if (!found) return undefined;
    found.left--;
    return found.fault;
  }

  /** Takes one hit of an action fault for this command. */
  takeActionFault(command: string): Extract<Fault, { kind: 'action_error' }> | undefined {
    const found = this.armed.find(
      (a) =>
        a.left > 0 &&
        a.fault.kind === 'action_error' &&
        (a.fault.command === undefined || a.fault.command === command),
    );
    if (!found) return undefined;
    found.left--;
    return found.fault as Extract<Fault, { kind: 'action_error' }>;
  }
}

function matches(fault: Fault, kind: string): boolean {
  const match = 'match' in fault ? fault.match : undefined;
  return match === undefined || match === '*' || match === kind;
}
