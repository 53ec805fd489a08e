/**
 * Project Studios as Docker containers, through the Docker Engine API (v1.41, which Docker 28
 * serves) behind the master's container-only socket proxy. Each container: the project's
 * settings as its environment, Studio's port published on 127.0.0.1 only, a memory limit, every
 * capability dropped, no new privileges, on the Studio network (inter-container traffic off, so
 * one project's Studio cannot call another's), never restarted by Docker (the pool decides).
 */
import { STUDIO_PORT, studioEnvList, type StudioSettings } from './settings.ts';
import { STUDIO_LABEL, type StudioPlacement, type StudioRuntime } from './runtime.ts';

const API = '/v1.41';

export interface DockerStudioOptions {
  /** The Docker API, e.g. http://172.31.254.2:2375 (the socket proxy). */
  readonly baseUrl: string;
  /** The network Studio containers join. */
  readonly network: string;
  readonly fetch?: typeof fetch;
  /** Per-call timeout in ms (creating a container can wait on the image). */
  readonly timeoutMs?: number;
  /** Timeout of an image pull, in ms. */
  readonly pullTimeoutMs?: number;
}

/** The container create body (Engine API `ContainerCreate`); exported for the test. */
export function createBody(s: StudioSettings, at: StudioPlacement, network: string): Record<string, unknown> {
  const port = `${STUDIO_PORT}/tcp`;
  return {
    Image: s.image,
    Env: studioEnvList(s),
    Labels: { [STUDIO_LABEL]: s.project },
    ExposedPorts: { [port]: {} },
    HostConfig: {
      CapDrop: ['ALL'],
      Memory: at.memoryMb * 1024 * 1024,
      NetworkMode: network,
      PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: String(at.port) }] },
      RestartPolicy: { Name: 'no' },
      SecurityOpt: ['no-new-privileges:true'],
    },
  };
}

/** `repo:tag` → [repo, tag] (the tag after the last colon that follows the last slash). */
export function splitImage(image: string): [string, string] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
}

export function createDockerStudioRuntime(o: DockerStudioOptions): StudioRuntime {
  const f = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/$/, '');
  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> => {
    const timeout = path.startsWith('/images/') ? (o.pullTimeoutMs ?? 10 * 60_000) : (o.timeoutMs ?? 60_000);
    const res = await f(`${base}${API}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeout),
    });
    return { status: res.status, text: await res.text() };
  };
  const message = (text: string): string => {
    try {
      return String((JSON.parse(text) as { message?: unknown }).message ?? text).slice(0, 300);
    } catch {
      return text.slice(0, 300);
    }
  };
  const remove = async (container: string): Promise<void> => {
    const r = await call('DELETE', `/containers/${encodeURIComponent(container)}?force=true`);
    if (r.status !== 204 && r.status !== 404) {
      throw new Error(`Docker did not remove ${container}: ${r.status} ${message(r.text)}`);
    }
  };
  return {
    async start(s, at) {
      const create = () =>
        call(
          'POST',
          `/containers/create?name=${encodeURIComponent(s.container)}`,
          createBody(s, at, o.network),
        );
      let r = await create();
      if (r.status === 404) {
        // the image is not on the master yet: pull it (the answer streams until the pull ends)
        const [repo, tag] = splitImage(s.image);
        const pulled = await call(
          'POST',
          `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`,
        );
        const failed = pulled.text.split('\n').find((l) => l.includes('"error"'));
        if (pulled.status !== 200 || failed !== undefined) {
          throw new Error(
            `Docker did not pull ${s.image}: ${pulled.status} ${message(failed ?? pulled.text)}`,
          );
        }
        r = await create();
      }
      if (r.status === 409) {
        // a container of an earlier run (the master restarted): replace it
        await remove(s.container);
        r = await create();
      }
      if (r.status !== 201) {
        throw new Error(
          `Docker did not create ${s.container} from ${s.image}: ${r.status} ${message(r.text)}`,
        );
      }
      const started = await call('POST', `/containers/${encodeURIComponent(s.container)}/start`);
      if (started.status !== 204 && started.status !== 304) {
        throw new Error(`Docker did not start ${s.container}: ${started.status} ${message(started.text)}`);
      }
    },
    remove,
    async list() {
      const filters = encodeURIComponent(JSON.stringify({ label: [STUDIO_LABEL] }));
      const r = await call('GET', `/containers/json?all=true&filters=${filters}`);
      if (r.status !== 200) throw new Error(`Docker did not list containers: ${r.status} ${message(r.text)}`);
      return (JSON.parse(r.text) as { Names?: string[] }[])
        .flatMap((c) => c.Names ?? [])
        .map((n) => n.replace(/^\//, ''))
        .sort();
    },
  };
}
