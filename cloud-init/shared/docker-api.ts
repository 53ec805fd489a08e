/**
 * The Docker API as the stacks' containers may see it: never the socket itself.
 */

/** docker-socket-proxy answers `/_ping` on its own port once it can reach the daemon. */
const PROXY_HEALTHCHECK = {
  test: ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:2375/_ping'],
  interval: '10s',
  timeout: '5s',
  retries: 5,
  start_period: '20s',
};

/**
 * A read-only Docker API (tecnativa/docker-socket-proxy: GET only, POST=0) for
 * Vector's `docker_logs` source, which lists containers, inspects them, follows
 * their logs and watches events (vectordotdev/vector src/sources/docker_logs/mod.rs);
 * Vector reaches it through DOCKER_HOST (src/docker.rs accepts tcp://).
 */
export function dockerLogsProxy(image: string, memLimit: string): Record<string, unknown> {
  return {
    restart: 'unless-stopped',
    image,
    environment: { CONTAINERS: '1', EVENTS: '1', INFO: '0', POST: '0' },
    healthcheck: PROXY_HEALTHCHECK,
    mem_limit: memLimit,
    networks: ['docker-logs'],
    read_only: true,
    tmpfs: ['/run'],
    volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
  };
}

/**
 * The master API's Docker API for project Studios (tecnativa/docker-socket-proxy): containers
 * (create, start, remove, list) and images (pulling Studio's), nothing else: no exec, no
 * networks, volumes, swarm, system or build. On its own network at a fixed address, which no
 * other container joins and only the master API's user reaches from the host (wg0.conf).
 */
export function dockerStudioProxy(image: string, memLimit: string, address: string): Record<string, unknown> {
  return {
    restart: 'unless-stopped',
    image,
    environment: {
      CONTAINERS: '1',
      EXEC: '0',
      IMAGES: '1',
      INFO: '0',
      NETWORKS: '0',
      POST: '1',
      VOLUMES: '0',
    },
    healthcheck: PROXY_HEALTHCHECK,
    mem_limit: memLimit,
    networks: { 'docker-studio': { ipv4_address: address } },
    read_only: true,
    tmpfs: ['/run'],
    volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
  };
}
