/**
 * supafleet's version: the tag of the agent and master images and what agents
 * report. Kept here rather than read from package.json so bundles carry one
 * string, not the whole manifest; a test keeps the two equal.
 */
export const SUPAFLEET_VERSION = '0.1.0';
