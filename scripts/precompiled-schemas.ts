/**
 * An esbuild plugin shared by the bundles that run the spec checks (the CLI, the fleet console):
 * core/spec/schema-check.ts compiles the spec schemas with Ajv when it is loaded; the bundles get
 * them compiled at build time instead (Ajv's standalone code, with the same options). The CLI
 * then skips compiling Ajv's meta-schema and both schemas at every start, and the console's page
 * runs the checks under a Content-Security-Policy without 'unsafe-eval' (Ajv's compiler builds
 * functions from strings; its standalone code does not).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import type { Plugin } from 'esbuild';

const root = resolve(import.meta.dirname, '..');

// A CommonJS module whose module.exports is the function (its types describe the ESM default).
const standaloneCode = standalone as unknown as typeof standalone.default;

/** What core/spec/schema-check.ts compiles when it is loaded; the plugin below swaps it for precompiled code. */
const SCHEMA_CHECK = {
  importLine: "import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';",
  compile: `const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
const validators: Record<'project' | 'fleet', ValidateFunction> = {
  project: ajv.compile(projectSchema),
  fleet: ajv.compile(fleetSchema),
};`,
};
const PRECOMPILED = 'supafleet-precompiled-schemas';

/**
 * Swaps schema-check.ts's compilation for the precompiled validators. Fails the build when
 * schema-check.ts no longer compiles exactly this way. (For the CLI the compilation was about two
 * thirds of `supafleet validate`'s time.)
 */
export const precompiledSchemas: Plugin = {
  name: 'supafleet-precompiled-schemas',
  setup(b) {
    b.onLoad({ filter: /[\\/]core[\\/]spec[\\/]schema-check\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(SCHEMA_CHECK.importLine) || !text.includes(SCHEMA_CHECK.compile)) {
        throw new Error(
          `${args.path}: the schema compilation changed; update scripts/precompiled-schemas.ts`,
        );
      }
      const contents = text
        .replace(
          SCHEMA_CHECK.importLine,
          () => "import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';",
        )
        .replace(
          SCHEMA_CHECK.compile,
          () =>
            `import { project as __project, fleet as __fleet } from '${PRECOMPILED}';\n` +
            `const validators: Record<'project' | 'fleet', ValidateFunction> = { project: __project as ValidateFunction, fleet: __fleet as ValidateFunction };`,
        );
      return { contents, loader: 'ts' };
    });
    b.onResolve({ filter: new RegExp(`^${PRECOMPILED}$`) }, () => ({
      path: PRECOMPILED,
      namespace: PRECOMPILED,
    }));
    b.onLoad({ filter: /.*/, namespace: PRECOMPILED }, () => {
      const read = (name: string) =>
        JSON.parse(readFileSync(join(root, 'schemas', name), 'utf8')) as { $id: string };
      const project = read('project.schema.json');
      const fleet = read('fleet.schema.json');
      const ajv = new Ajv2020({
        allErrors: true,
        strict: true,
        verbose: true,
        code: { source: true, esm: true },
      });
      ajv.addSchema(project).addSchema(fleet);
      return {
        contents: standaloneCode(ajv, { project: project.$id, fleet: fleet.$id }),
        loader: 'js',
        resolveDir: root,
      };
    });
  },
};
