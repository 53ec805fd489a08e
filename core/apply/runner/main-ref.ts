/**
 * The actions that hold the read/write Hetzner token (provision, teardown, master) run
 * only for the fleet's main branch. The workflows already say so twice (`environment:
 * production`, whose deployment-branch policy admits main only, and `if: github.ref ==
 * 'refs/heads/main'`); this is the third line, in the code that calls Hetzner, so a
 * workflow edited on a branch to call the action still gets a refusal before any call.
 */

/** The only ref whose runs may change servers. */
export const MAIN_REF = 'refs/heads/main';

/**
 * Throws unless the runner's `GITHUB_REF` is {@link MAIN_REF}. A missing ref is refused
 * too: every GitHub runner sets it, so its absence means the environment is not one.
 */
export function requireMainRef(action: string, env: Readonly<Record<string, string | undefined>>): void {
  const ref = env.GITHUB_REF ?? '';
  if (ref === MAIN_REF) return;
  throw new Error(
    `supafleet ${action} runs only on ${MAIN_REF}, and this run is on ${ref === '' ? 'no ref (GITHUB_REF is unset)' : JSON.stringify(ref)}; ` +
      'it holds the read/write Hetzner token, so changes reach servers only after review: ' +
      'merge the change into main and let the workflow run there (nothing was changed)',
  );
}
