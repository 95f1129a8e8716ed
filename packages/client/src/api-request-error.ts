/** A request the server refused (or that never reached it), with the API's stable error code. */
export class ApiRequestError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** Stable code from the server (`unknown_run`, `invalid_request`, ...), or `unreachable`. */
  readonly code: string;
  /** The request field at fault, when the server named one. */
  readonly field: string | undefined;
  /** `ingest_gap` only: series id -> the position the server expects next. */
  readonly expected: Record<string, number> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    field?: string,
    options?: ErrorOptions,
    expected?: Record<string, number>,
  ) {
    super(message, options);
    this.expected = expected;
    this.name = 'ApiRequestError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}
