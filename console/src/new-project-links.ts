/**
 * Where the New project form sends the file: GitHub's "new file" page of the fleet repository,
 * with the file's name and text filled in. The person commits it there, to a new branch with a
 * pull request, under their own GitHub account: the master holds no GitHub credential for it.
 *
 * GitHub's page reads two query parameters, `filename` (the path, relative to the branch) and
 * `value` (the editor's text); see docs/console.md for the references.
 */

/** owner/name, as fleet.schema.json allows it for github.repository. */
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

/** The branch the fleet applies from (the apply workflow runs on pushes to it). */
export const FLEET_BRANCH = 'main';

/**
 * `https://github.com/<owner>/<repo>/new/<branch>?filename=<file>&value=<text>`, each part
 * percent-encoded. Throws when `repository` is not owner/name.
 */
export function githubNewFileUrl(
  repository: string,
  file: string,
  content: string,
  branch: string = FLEET_BRANCH,
): string {
  if (!REPOSITORY.test(repository) || repository.split('/')[1]!.replace(/\./g, '') === '') {
    throw new Error(
      `repository ${JSON.stringify(repository)} is not owner/name; expected e.g. acme-corp/fleet`,
    );
  }
  const query = `filename=${encodeURIComponent(file)}&value=${encodeURIComponent(content)}`;
  return `https://github.com/${repository}/new/${encodeURIComponent(branch)}?${query}`;
}
