/**
 * The fleet's worker firewall rules. Workers dial the master over WireGuard, so they
 * need no inbound port; SSH stays open only while `ssh.workers_public` is true.
 */
import type { FirewallRule } from '../hetzner/types.ts';
import type { ResolvedFleet } from '../spec/defaults.ts';

export function workerFirewallRules(fleet: ResolvedFleet): FirewallRule[] {
  const rules: FirewallRule[] = [
    { direction: 'in', protocol: 'icmp', source_ips: ['0.0.0.0/0', '::/0'], description: 'ping' },
  ];
  if (fleet.ssh.workers_public) {
    rules.push({
      direction: 'in',
      protocol: 'tcp',
      port: '22',
      source_ips: ['0.0.0.0/0', '::/0'],
      description: 'ssh',
    });
  }
  return rules;
}
