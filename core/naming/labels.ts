/**
 * Names and Hetzner labels of a fleet's servers. Every server supafleet creates carries
 * `supafleet/fleet`, `supafleet/project` and `supafleet/role`; deletes and look-ups go by
 * these labels, never by a name alone, so a Hetzner project shared with other tools is safe.
 */

/** Label keys supafleet sets on the resources it creates. */
export const LABEL_FLEET = 'supafleet/fleet';
export const LABEL_PROJECT = 'supafleet/project';
export const LABEL_ROLE = 'supafleet/role';

/** What a labelled resource is for. */
export type ServerRole = 'master' | 'worker';

/** The role label value of the workers' shared firewall. */
export const FIREWALL_ROLE = 'worker-firewall';

/** The Hetzner server name of a project's worker: `<fleet>-<project>`. */
export function workerServerName(fleet: string, project: string): string {
  return `${fleet}-${project}`;
}

/** The Hetzner server name of the fleet's master: `<fleet>-master` ("master" is a reserved project name). */
export function masterServerName(fleet: string): string {
  return `${fleet}-master`;
}

/** The name of the fleet's worker firewall. */
export function workerFirewallName(fleet: string): string {
  return `${fleet}-workers`;
}

/** The labels of a project's worker server. */
export function workerLabels(fleet: string, project: string): Record<string, string> {
  return { [LABEL_FLEET]: fleet, [LABEL_PROJECT]: project, [LABEL_ROLE]: 'worker' };
}

/** The labels of the fleet's master server. */
export function masterLabels(fleet: string): Record<string, string> {
  return { [LABEL_FLEET]: fleet, [LABEL_ROLE]: 'master' };
}

/** The labels of the fleet's worker firewall. */
export function firewallLabels(fleet: string): Record<string, string> {
  return { [LABEL_FLEET]: fleet, [LABEL_ROLE]: FIREWALL_ROLE };
}

/** Selector for every worker of the fleet. */
export function fleetWorkersSelector(fleet: string): string {
  return `${LABEL_FLEET}=${fleet},${LABEL_ROLE}=worker`;
}

/** Selector for one project's worker. */
export function projectWorkerSelector(fleet: string, project: string): string {
  return `${LABEL_FLEET}=${fleet},${LABEL_PROJECT}=${project},${LABEL_ROLE}=worker`;
}

/** Selector for everything labelled with the fleet. */
export function fleetSelector(fleet: string): string {
  return `${LABEL_FLEET}=${fleet}`;
}

const LABEL_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)$/;
const DNS_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Why a label key is invalid for Hetzner, or undefined when it is valid. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length > 253 || !DNS_PREFIX.test(prefix))
      return `label key prefix "${prefix}" is not a DNS subdomain`;
    if (prefix === 'hetzner.cloud' || prefix.endsWith('.hetzner.cloud'))
      return `label key prefix "${prefix}" is reserved by Hetzner`;
  }
  if (!LABEL_NAME.test(name))
    return `label key name "${name}" must be 1-63 characters, alphanumeric at both ends, with - _ . inside`;
  return undefined;
}

/** Why a label value is invalid for Hetzner, or undefined when it is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '' || LABEL_NAME.test(value)) return undefined;
  return `label value "${value}" must be empty or 1-63 characters, alphanumeric at both ends, with - _ . inside`;
}

/** True when the labels carry all three supafleet labels with the given fleet (and project/role when given). */
export function hasFleetLabels(
  labels: Readonly<Record<string, string>>,
  want: { fleet: string; project?: string; role?: ServerRole },
): boolean {
  if (labels[LABEL_FLEET] !== want.fleet) return false;
  if (!(LABEL_ROLE in labels)) return false;
  if (want.role !== undefined && labels[LABEL_ROLE] !== want.role) return false;
  const role = labels[LABEL_ROLE];
  if (role === 'worker' && !(LABEL_PROJECT in labels)) return false;
  if (want.project !== undefined && labels[LABEL_PROJECT] !== want.project) return false;
  return true;
}
