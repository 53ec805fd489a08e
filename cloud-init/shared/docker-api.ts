/**
 * The Docker API as the stacks' containers may see it: never the socket itself.
 */

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
    healthcheck: {
      test: ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:2375/_ping'],
      interval: '10s',
      timeout: '5s',
      retries: 5,
      start_period: '20s',
    },
    mem_limit: memLimit,
    networks: ['docker-logs'],
    read_only: true,
    tmpfs: ['/run'],
    volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
  };
}
