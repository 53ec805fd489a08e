import { describe, expect, it } from 'vitest';
import fleetSchema from '../../../schemas/fleet.schema.json' with { type: 'json' };
import projectSchema from '../../../schemas/project.schema.json' with { type: 'json' };
import { fleetDocumentIssues, projectDocumentIssues } from '../findings.ts';

interface SchemaNode {
  readonly description?: string;
  readonly examples?: unknown[];
  readonly $ref?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
}

/** Every property's schema (with $ref resolved against $defs), by dotted path. */
function properties(root: SchemaNode & { $defs?: Record<string, SchemaNode> }): [string, SchemaNode][] {
  const found: [string, SchemaNode][] = [];
  const resolve = (node: SchemaNode): SchemaNode =>
    node.$ref ? { ...root.$defs![node.$ref.split('/').pop()!]!, ...node } : node;
  const walk = (node: SchemaNode, path: string): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const resolved = resolve(child);
      found.push([`${path}${key}`, resolved]);
      walk(resolved, `${path}${key}.`);
    }
    if (typeof node.additionalProperties === 'object') walk(resolve(node.additionalProperties), `${path}*.`);
  };
  walk(root, '');
  return found;
}

describe('the spec schemas', () => {
  it.each([
    ['project', projectSchema],
    ['fleet', fleetSchema],
  ] as const)(
    'when an editor shows help for a %s property, then it has a description and examples',
    (_, schema) => {
      const lacking = properties(schema as SchemaNode)
        .filter(
          ([, node]) => !node.description || !Array.isArray(node.examples) || node.examples.length === 0,
        )
        .map(([path]) => path);
      expect(lacking).toEqual([]);
    },
  );

  it('when the schemas give whole-document examples, then those examples are valid', () => {
    for (const example of projectSchema.examples) expect(projectDocumentIssues(example, {})).toEqual([]);
    for (const example of fleetSchema.examples) expect(fleetDocumentIssues(example)).toEqual([]);
  });
});
