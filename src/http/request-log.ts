import type { FastifyBaseLogger } from 'fastify';

type Bindings = Record<string, unknown>;
type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
type AnyFn = (...args: unknown[]) => unknown;

/**
 * Fastify gives every request a pino child logger bound to its id, and building one costs a few
 * µs (pino serialises the bindings) on every request — while a request that succeeds never logs
 * through it: the access line is written by the root logger with the id as a field (server.ts).
 * So the child is built on first use: errors and handler logs read exactly as before (same
 * bindings, redaction and serializers, inherited from the parent), and a quiet request pays for
 * one small object.
 */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, opts: { level?: string; serializers?: unknown }): FastifyBaseLogger {
  // A route's own level or serializers change how its child logs: build that one at once.
  if (opts.level !== undefined || opts.serializers !== undefined) return logger.child(bindings, opts as never);
  return new LazyChild(logger, bindings) as unknown as FastifyBaseLogger;
}

class LazyChild {
  #child: FastifyBaseLogger | undefined;

  constructor(
    readonly parent: FastifyBaseLogger,
    readonly childBindings: Bindings,
  ) {}

  get logger(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.childBindings));
  }

  get level(): string {
    return this.logger.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  child(bindings: Bindings, options?: object): FastifyBaseLogger {
    return this.logger.child(bindings, options as never);
  }

  // pino's other members (bindings(), isLevelEnabled(), flush(), …) for callers that use them.
  bindings(): Bindings {
    return (this.logger as unknown as { bindings(): Bindings }).bindings();
  }

  isLevelEnabled(level: string): boolean {
    return (this.logger as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level);
  }

  flush(cb?: (err?: Error) => void): void {
    (this.logger as unknown as { flush(cb?: (err?: Error) => void): void }).flush(cb);
  }
}

for (const name of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] satisfies LogMethod[]) {
  Object.defineProperty(LazyChild.prototype, name, {
    value(this: LazyChild, ...args: unknown[]) {
      const logger = this.logger as unknown as Record<LogMethod, AnyFn>;
      return logger[name].apply(logger, args);
    },
    writable: true,
    configurable: true,
  });
}
