/** `supafleet smoke`: the data-path check of one project with supabase-js (see run.ts). */
export {
  runSmoke,
  SMOKE_BUCKET,
  SMOKE_SCHEMA,
  SMOKE_TABLE,
  HEALTH_FUNCTION,
  SMOKE_TABLE_SQL,
} from './run.ts';
export { formatReport } from './format.ts';
export { SMOKE_KEY_ENV, smokeTarget } from './target.ts';
export type { SmokeLayer, SmokeOptions, SmokeReport, SmokeStep, SmokeTarget } from './types.ts';
