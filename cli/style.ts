import type { CliIo, TextSink } from './io.ts';

/** Text styles for one output stream; each is the identity when colours are off. */
export interface Style {
  readonly enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

/**
 * Whether a stream gets colours: only a terminal, and never when `NO_COLOR` is set to anything
 * but the empty string (https://no-color.org) or `TERM=dumb`.
 */
export function coloursOn(isTty: boolean | undefined, env: CliIo['env']): boolean {
  if (isTty !== true) return false;
  if ((env.NO_COLOR ?? '') !== '') return false;
  return env.TERM !== 'dumb';
}

/**
 * Styles for standard output or standard error of `io`. Whether the stream is a terminal is
 * asked on first use: Node creates a standard stream when it is first touched.
 */
export function styleFor(io: CliIo, stream: 'stdout' | 'stderr'): Style {
  let on: boolean | undefined;
  const enabled = (): boolean =>
    (on ??= coloursOn(stream === 'stdout' ? io.stdoutIsTty : io.stderrIsTty, io.env));
  const sgr =
    (open: number, close: number) =>
    (text: string): string =>
      enabled() ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    get enabled() {
      return enabled();
    },
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    bold: sgr(1, 22),
    dim: sgr(2, 22),
  };
}

/** A progress line on standard error that only a terminal sees; `done()` clears it. */
export interface Progress {
  update(text: string): void;
  done(): void;
}

/** Shows progress on standard error when it is a terminal; does nothing otherwise (pipes, CI, --json). */
export function progressFor(io: CliIo, quiet = false): Progress {
  if (quiet || io.stderrIsTty !== true) return { update: () => undefined, done: () => undefined };
  const sink: TextSink = io.stderr;
  const dim = styleFor(io, 'stderr').dim;
  let shown = false;
  return {
    update(text) {
      // \r and erase-line: the line is rewritten in place, never scrolled.
      sink.write(`\r\x1b[2K${dim(text)}`);
      shown = true;
    },
    done() {
      if (shown) sink.write('\r\x1b[2K');
      shown = false;
    },
  };
}
