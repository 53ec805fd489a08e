/**
 * Applies a fleet directory the way the provision action does (actions/provision):
 * read the actual state (master registry, Hetzner servers) → plan → the worker
 * firewall when something is created → provision every create and update with
 * bounded parallelism (register, user_data, server, wait healthy, routes).
 */
import { readActual } from '../../core/apply/actual.ts';
import { workerFirewallRules } from '../../core/apply/firewall.ts';
import { runBounded } from '../../core/apply/parallel.ts';
import { realClock, type Logger, type MasterApi } from '../../core/apply/ports.ts';
import { provisionProject, type ProvisionResult } from '../../core/apply/provision.ts';
import { HetznerClient } from '../../core/hetzner/client.ts';
import { createMasterClient } from '../../core/master-client/index.ts';
import { plan } from '../../core/plan/index.ts';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { loadFleetDir } from '../../core/spec/load.ts';
import type { FleetSpec, ProjectSpec } from '../../core/spec/types.ts';
import type { FleetLab } from '../lab/index.ts';

export interface ApplyTarget {
  readonly masterUrl: string;
  readonly apiToken: string;
  readonly hetznerUrl: string;
  readonly hcloudToken: string;
  /** The master's wg public key, pinned as an operator would. */
  readonly masterWgPublicKey: string;
  /** The fetch the master client uses (default: the global one), e.g. to count calls. */
  readonly fetch?: typeof fetch;
}

/** Where a fleet lab's master and Hetzner fake answer, as the actions would be pointed at them. */
export function labTarget(
  lab: Pick<FleetLab, 'masterUrl' | 'apiToken' | 'hetzner' | 'hcloudToken' | 'masterWgPublicKey'>,
  fetchImpl?: typeof fetch,
): ApplyTarget {
  return {
    masterUrl: lab.masterUrl,
    apiToken: lab.apiToken,
    hetznerUrl: lab.hetzner.url,
    hcloudToken: lab.hcloudToken,
    masterWgPublicKey: lab.masterWgPublicKey,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  };
}

export interface DemoApply {
  readonly results: readonly ProvisionResult[];
  readonly master: MasterApi;
}

/** Loads `root` (fleet.yaml + projects/), or throws naming every spec error. */
export async function loadFleet(root: string): Promise<{ fleet: FleetSpec; projects: ProjectSpec[] }> {
  const loaded = await loadFleetDir(root);
  if (!loaded.ok || !loaded.fleet) {
    const errs = loaded.errors.map((e) => `${e.file}:${e.line} ${e.path ?? ''} ${e.message}`).join('\n');
    throw new Error(`${root} does not load as a fleet directory:\n${errs}`);
  }
  return { fleet: loaded.fleet, projects: loaded.projects };
}

export function demoMasterClient(t: ApplyTarget, log: Logger): MasterApi {
  return createMasterClient({
    baseUrl: t.masterUrl,
    token: () => Promise.resolve(t.apiToken),
    ...(t.fetch ? { fetch: t.fetch } : {}),
    baseDelayMs: 250,
    onRetry: (e) => log.info(`master ${e.method} ${e.path}: ${e.reason}; retry ${e.attempt}`),
  });
}

/** The master and Hetzner clients the actions build, pointed at the lab. */
export function demoClients(t: ApplyTarget, log: Logger): { master: MasterApi; hetzner: HetznerClient } {
  return {
    master: demoMasterClient(t, log),
    hetzner: new HetznerClient({
      token: t.hcloudToken,
      endpoint: t.hetznerUrl,
      onRetry: (e) => log.info(`hetzner ${e.kind}: ${e.reason}; retry ${e.attempt}`),
    }),
  };
}

export async function applyFleet(
  loaded: { readonly fleet: FleetSpec; readonly projects: readonly ProjectSpec[] },
  target: ApplyTarget,
  log: Logger,
  options: { readonly parallelism?: number; readonly waitMs?: number } = {},
): Promise<DemoApply> {
  const { master, hetzner } = demoClients(target, log);
  const { fleet, projects } = loaded;
  const actual = await readActual({ master, hetzner, log }, { fleet, desired: projects });
  const result = plan({ fleet, projects: [...projects] }, actual);
  log.info(
    `plan: ${result.summary.create} create, ${result.summary.update} update, ${result.summary.noop} unchanged`,
  );
  const steps = result.steps.filter((s) => s.kind === 'create' || s.kind === 'update');
  if (steps.some((s) => s.kind === 'create')) {
    const fw = await hetzner.ensureWorkerFirewall(fleet.name, workerFirewallRules(resolveFleet(fleet)));
    if (fw.changed) log.info(`worker firewall ${fw.firewall.name} brought up to date`);
  }
  const specs = new Map(projects.map((p) => [p.name, p]));
  const settled = await runBounded(steps, options.parallelism ?? 3, (step) =>
    provisionProject(
      { master, hetzner, clock: realClock, log },
      {
        fleet,
        spec: specs.get(step.project)!,
        step,
        masterWgPublicKey: target.masterWgPublicKey,
        waitMs: options.waitMs ?? 60_000,
        pollMs: 300,
      },
    ),
  );
  const results = settled.map((r, i) =>
    r.ok
      ? r.value
      : { project: steps[i]!.project, outcome: 'failed' as const, error: r.error.message, undone: [] },
  );
  return { results, master };
}
