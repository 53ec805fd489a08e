/**
 * Input parsing shared by the actions: every input read once into a typed value,
 * every secret masked (core.setSecret) the moment it is read, errors naming the
 * input and what is expected.
 */
import { Secret } from '../../seal/secret.ts';

/** `core.getInput` and `core.setSecret`, passed in so this module stays testable. */
export interface InputSource {
  get(name: string): string;
  mask(value: string): void;
}

export function secretInput(src: InputSource, name: string, required = false): Secret | undefined {
  const value = src.get(name).trim();
  if (value === '') {
    if (required) throw new Error(`input ${name} is required; set it from a repository secret`);
    return undefined;
  }
  src.mask(value);
  return new Secret(value);
}

export function stringInput(src: InputSource, name: string, fallback = ''): string {
  const value = src.get(name).trim();
  return value === '' ? fallback : value;
}

export function numberInput(
  src: InputSource,
  name: string,
  fallback: number,
  bounds: { min: number; max: number; integer?: boolean },
): number {
  const raw = src.get(name).trim();
  if (raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < bounds.min || n > bounds.max || (bounds.integer && !Number.isInteger(n))) {
    throw new Error(
      `input ${name} is ${JSON.stringify(raw)}; expected ${bounds.integer ? 'a whole number' : 'a number'} ` +
        `from ${bounds.min} to ${bounds.max}`,
    );
  }
  return n;
}

/** How the action reaches the master. */
export interface MasterInputs {
  /** Empty when the action runs without a master (plan only). */
  readonly url?: string;
  readonly audience: string;
  /** An API token; without one the job's OIDC token is used. */
  readonly apiToken?: Secret;
}

export function masterInputs(src: InputSource): MasterInputs {
  const url = stringInput(src, 'master-url').replace(/\/+$/, '');
  if (url !== '' && !/^https?:\/\/[^/\s]+$/.test(url)) {
    throw new Error(
      `input master-url ${JSON.stringify(url)} is not valid; expected https://fleet.<domain> (no path)`,
    );
  }
  const apiToken = secretInput(src, 'api-token');
  return {
    ...(url !== '' ? { url } : {}),
    audience: stringInput(src, 'audience', 'supafleet'),
    ...(apiToken ? { apiToken } : {}),
  };
}

export function requireMaster(m: MasterInputs): MasterInputs & { url: string } {
  if (!m.url) {
    throw new Error(
      'input master-url is empty; set the repository variable SUPAFLEET_MASTER_URL to https://fleet.<domain>',
    );
  }
  return m as MasterInputs & { url: string };
}
