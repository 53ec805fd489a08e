/**
 * Golden files: the full output of `supafleet render` for each fixture, byte for
 * byte. A change to any renderer shows up here as a reviewable diff. Refresh with
 * `UPDATE_GOLDEN=1 npx vitest run cloud-init/test/golden.test.ts`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMasterOutput, renderWorkerOutput, type RenderOutput } from '../render-command.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';

const dir = new URL('./__golden__/', import.meta.url);

/** All files of one render in one text: `==> path <==` headers, then the content. */
function flatten(out: RenderOutput): string {
  return [...out.files].map(([path, content]) => `==> ${path} <==\n${content}`).join('\n');
}

function golden(name: string, actual: string): void {
  const file = new URL(`${name}.golden.txt`, dir);
  if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(file) && process.env.CI !== 'true')) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('golden files', () => {
  it.each(Object.keys(projectSpecs))(
    'when the %s worker is rendered, then the output matches its golden file',
    (name) => {
      golden(`worker-${name}`, flatten(renderWorkerOutput(fleetSpec, projectSpecs[name]!)));
    },
  );

  it('when the master is rendered, then the output matches its golden file', () => {
    golden('master', flatten(renderMasterOutput(fleetSpec)));
  });

  it('when the master without Authelia and with a wildcard certificate is rendered, then the output matches its golden file', () => {
    golden(
      'master-basic-wildcard',
      flatten(
        renderMasterOutput({
          ...fleetSpec,
          authelia: { enabled: false },
          tls: { mode: 'wildcard_dns', dns_provider: 'hetzner' },
        }),
      ),
    );
  });
});
