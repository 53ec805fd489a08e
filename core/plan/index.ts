export { plan } from './plan.ts';
export { diffFields, displayValue } from './diff.ts';
export { renderMarkdown, PLAN_MARKER } from './render-markdown.ts';
export { renderText } from './render-text.ts';
export { renderJson, PLAN_JSON_VERSION } from './render-json.ts';
export type * from './types.ts';
