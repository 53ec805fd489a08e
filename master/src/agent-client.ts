import { signCommand } from '../../core/command/sign.ts';
import { UpstreamError } from './errors.ts';
import type { AgentCommander } from './ports.ts';

export const COMMAND_PATH = '/v1/commands';

/**
 * Sends signed commands to agents: POST http://<worker wg ip>:<port>/v1/commands,
 * HMAC-signed with the project's command key (timestamp and nonce included, so
 * the agent refuses replays).
 */
export function createAgentCommander(opts: {
  port: number;
  timeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}): AgentCommander {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  return {
    async send(target, command) {
      const body = JSON.stringify(command);
      const headers = signCommand({
        method: 'POST',
        path: COMMAND_PATH,
        body,
        key: target.commandKey.reveal(),
        nowMs: now(),
      });
      const host = target.ip.includes(':') ? `[${target.ip}]` : target.ip;
      let res: Response;
      try {
        res = await doFetch(`http://${host}:${opts.port}${COMMAND_PATH}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
      } catch (err) {
        throw new UpstreamError(`the agent at ${target.ip} cannot be reached: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { status: res.status, body: parsed };
    },
  };
}
