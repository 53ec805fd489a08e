import { stringify } from 'yaml';

/**
 * Serialises a value as YAML with sorted mapping keys, so the same input always gives
 * the same bytes. Every YAML file supafleet writes goes through here: spec values are
 * scalars to the serializer, never text spliced into a document.
 */
export function toYaml(value: unknown): string {
  return stringify(value, {
    sortMapEntries: true,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}
