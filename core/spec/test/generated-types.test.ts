import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The spec types are generated from the schemas by `npm run gen:types`. This
 * regenerates them in memory with the same options as that script and compares:
 * a schema change without regenerated types fails here.
 */
describe('generated spec types', () => {
  it.each([
    ['schemas/project.schema.json', 'core/spec/project.gen.ts'],
    ['schemas/fleet.schema.json', 'core/spec/fleet.gen.ts'],
  ])('when %s is compiled, then the result equals %s', async (schemaFile, typesFile) => {
    const schema = JSON.parse(await readFile(join(repo, schemaFile), 'utf8')) as Parameters<
      typeof compile
    >[0];
    // The same options as `json2ts ... --no-additionalProperties --maxItems -1`, resolving from the schema's folder.
    const generated = await compile(schema, schemaFile, {
      additionalProperties: false,
      maxItems: -1,
      cwd: dirname(join(repo, schemaFile)),
    });
    expect(generated, `${typesFile} is stale: run npm run gen:types`).toBe(
      await readFile(join(repo, typesFile), 'utf8'),
    );
  });
});
