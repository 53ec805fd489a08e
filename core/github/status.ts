/** GitHub rejects commit status descriptions longer than 140 characters (422). */
export const MAX_STATUS_DESCRIPTION = 140;

/** Shortens a status description to GitHub's limit, ending with an ellipsis when cut. */
export function clampDescription(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  if (chars.length <= MAX_STATUS_DESCRIPTION) return flat;
  return chars.slice(0, MAX_STATUS_DESCRIPTION - 1).join('') + '…';
}
