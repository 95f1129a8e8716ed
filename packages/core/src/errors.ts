/**
 * Every error a user can meet carries a stable `code` and the offending value, and its message
 * says what to do about it.
 */
export class TrainscopeError extends Error {
  /** Stable machine-readable code, e.g. `unknown_run`. */
  readonly code: string;
  /** The value that caused the error, when there is one. */
  readonly value: unknown;

  constructor(code: string, message: string, value?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.value = value;
  }
}

/** A run id that the store does not hold. */
export class UnknownRunError extends TrainscopeError {
  constructor(runId: string) {
    super('unknown_run', `No run with id "${runId}" in this store. List runs with \`trainscope ls\`.`, runId);
  }
}

/** A series id (or name within a run) that the store does not hold. */
export class UnknownSeriesError extends TrainscopeError {
  constructor(series: number | string, runId?: string) {
    super(
      'unknown_series',
      runId === undefined
        ? `No series with id ${String(series)} in this store. Define the series before ingesting points for it.`
        : `Run "${runId}" has no series "${String(series)}".`,
      series,
    );
  }
}

/** A columnar batch whose columns do not line up, or that holds values the store cannot take. */
export class BatchError extends TrainscopeError {
  constructor(message: string, value?: unknown) {
    super('bad_batch', message, value);
  }
}

/** A series name that breaks the naming rule. */
export class InvalidNameError extends TrainscopeError {
  constructor(message: string, name: string) {
    super('invalid_name', message, name);
  }
}

/** Another live process owns the store (DuckDB allows one writer per database file). */
export class StoreLockedError extends TrainscopeError {
  readonly pid: number | undefined;
  constructor(dir: string, pid: number | undefined, options?: ErrorOptions) {
    super(
      'store_locked',
      `The store ${dir} is owned by another process${pid === undefined ? '' : ` (pid ${pid})`}. ` +
        'Talk to it through its server (trainscope run/serve find it automatically), or stop that process first.',
      dir,
      options,
    );
    this.pid = pid;
  }
}

/** The store directory cannot be created or written. */
export class StoreUnwritableError extends TrainscopeError {
  constructor(dir: string, options?: ErrorOptions) {
    super(
      'store_unwritable',
      `Cannot write to the store directory ${dir}. Check its permissions and free space, or choose another with --dir or TRAINSCOPE_DIR.`,
      dir,
      options,
    );
  }
}

/** The database file exists but is not a readable trainscope/DuckDB database. */
export class StoreCorruptError extends TrainscopeError {
  constructor(file: string, options?: ErrorOptions) {
    super(
      'store_corrupt',
      `The store file ${file} is not a readable trainscope database. Move it aside (nothing is overwritten) and start again, or restore it from a backup.`,
      file,
      options,
    );
  }
}

/** The store was written by a newer trainscope whose schema this version does not know. */
export class SchemaVersionError extends TrainscopeError {
  constructor(file: string, found: number, supported: number) {
    super(
      'schema_version',
      `The store ${file} has schema version ${found}, but this trainscope understands up to ${supported}. Upgrade trainscope to open it.`,
      found,
    );
  }
}

/** A query whose arguments cannot be answered (start after end, width < 1, ...). */
export class QueryError extends TrainscopeError {
  constructor(message: string, value?: unknown) {
    super('bad_query', message, value);
  }
}
