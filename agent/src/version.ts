/** The agent's version, reported in every heartbeat. */
export const AGENT_VERSION = '0.1.0';
