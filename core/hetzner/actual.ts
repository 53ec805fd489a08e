/**
 * Maps Hetzner servers into the planner's {@link ActualServer}. The plan action lists the
 * fleet's servers with {@link HetznerClient.listFleetServers} and passes them through here.
 */
import type { ActualServer } from '../plan/types.ts';
import type { Server } from './types.ts';

export function toActualServer(server: Server): ActualServer {
  return {
    id: server.id,
    name: server.name,
    status: server.status,
    server_type: server.server_type.name,
    location: server.datacenter.location.name,
    labels: { ...server.labels },
  };
}
