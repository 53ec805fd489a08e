/** Hetzner refuses user_data above 32 KiB (measured in UTF-8 bytes of the final string). */
export const USER_DATA_LIMIT = 32 * 1024;
/** supafleet's own targets, well under the hard limit. */
export const WORKER_TARGET = 8 * 1024;
/** 18 KiB since the master parses Kong's logs as Supabase's Vector config does (about 0.5 KiB). */
export const MASTER_TARGET = 18 * 1024;

/** A named piece of a user_data document and the bytes it takes. */
export interface SizedPart {
  readonly name: string;
  readonly bytes: number;
}

/** The final user_data size in UTF-8 bytes: what Hetzner measures. */
export function userDataSize(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Refuses a user_data document larger than the limit, before any API call, with an
 * error that lists the largest parts so the operator knows what to trim.
 */
export function assertUserDataBudget(
  text: string,
  parts: readonly SizedPart[],
  limit = USER_DATA_LIMIT,
): number {
  const size = userDataSize(text);
  if (size > limit) {
    const largest = [...parts]
      .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name))
      .slice(0, 5)
      .map((p) => `${p.name} (${p.bytes} bytes)`)
      .join(', ');
    throw new Error(
      `user_data is ${size} bytes, over the ${limit}-byte limit (Hetzner accepts at most 32 KiB); largest parts: ${largest}`,
    );
  }
  return size;
}
