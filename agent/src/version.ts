import { SUPAFLEET_VERSION } from '../../core/version.ts';

/** The agent's version, reported in every heartbeat. */
export const AGENT_VERSION = SUPAFLEET_VERSION;
