/**
 * Every failure that crosses a boundary (HTTP, CLI, SDK) is a `CgError`: a stable machine code,
 * a human message, and — where input was at fault — the path of the offending field.
 * Adapters map `status` to HTTP and `exitCode` to the CLI; the core never formats for either.
 */
export type FieldPath = ReadonlyArray<string | number>;

export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly path?: string;
  /** 1-based line and column in the source document, when the input was a text file. */
  readonly line?: number;
  readonly column?: number;
}

export class CgError extends Error {
  override readonly name = 'CgError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details: readonly ErrorDetail[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The first detail's path: what a client most likely needs to fix. */
  get path(): string | undefined {
    return this.details[0]?.path;
  }
}

/** Renders `['declarations', 2, 'items', 0]` as `declarations[2].items[0]`, the form used in every error. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export const isCgError = (e: unknown): e is CgError => e instanceof CgError;
