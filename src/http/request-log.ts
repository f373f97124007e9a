import type { FastifyBaseLogger } from 'fastify';

type Bindings = Record<string, unknown>;
type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
type AnyFn = (...args: unknown[]) => unknown;

type ChildOptions = { level?: string; serializers?: unknown };
/** A logger's own way of making a child: pino's `child`, called with the parent as `this`. */
type Eager = (this: FastifyBaseLogger, bindings: Bindings, opts?: object) => FastifyBaseLogger;

/**
 * Fastify gives every request a pino child logger bound to its id, and building one costs a few
 * µs (pino serialises the bindings) on every request — while a request that succeeds never logs
 * through it: the access line is written by the root logger with the id as a field (server.ts).
 * So the child is built on first use: errors and handler logs read exactly as before (same
 * bindings, redaction and serializers, inherited from the parent), and a quiet request pays for
 * one small object.
 */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, opts: ChildOptions): FastifyBaseLogger {
  // A route's own level or serializers change how its child logs: build that one at once.
  if (opts.level !== undefined || opts.serializers !== undefined) return logger.child(bindings, opts as never);
  return new LazyChild(logger, logger.child as Eager, bindings) as unknown as FastifyBaseLogger;
}

/**
 * Makes `child(bindings, options)` of Fastify's root logger (and of every logger made from it)
 * return the lazy child above. Fastify then builds each request's logger with its own default
 * factory — `logger.child(bindings, opts)`, always with an options object — and skips what it
 * does after a factory of ours: `validateLogger` on every request (an array, a `filter` closure
 * and seven `typeof` checks). The loggers made are the ones `lazyChildLogger` makes (same
 * bindings, redaction and serializers, built by pino's own `child` on first use). A call without
 * options (`log.child({ listener: 'metrics' })`, handed on as another Fastify's logger
 * instance, which reads pino's serializers off it) or with a level or serializers gets pino's
 * child at once, as before.
 */
export function lazyChildren(root: FastifyBaseLogger): void {
  const eager = root.child as Eager;
  Object.defineProperty(root, 'child', {
    // Inherited by pino's children (each is made with the parent as its prototype): `this` is
    // the logger asked, and its child is built by pino from it.
    value(this: FastifyBaseLogger, bindings: Bindings, opts?: ChildOptions): FastifyBaseLogger {
      if (opts === undefined || opts.level !== undefined || opts.serializers !== undefined) return eager.call(this, bindings, opts);
      return new LazyChild(this, eager, bindings) as unknown as FastifyBaseLogger;
    },
    writable: true,
    configurable: true,
  });
}

class LazyChild {
  #child: FastifyBaseLogger | undefined;

  constructor(
    readonly parent: FastifyBaseLogger,
    readonly eager: Eager,
    readonly childBindings: Bindings,
  ) {}

  get logger(): FastifyBaseLogger {
    return (this.#child ??= this.eager.call(this.parent, this.childBindings));
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
