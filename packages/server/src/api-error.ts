/** An error the API answers with a JSON body `{ error: { code, message, field?, ...details } }`. */
export class ApiError extends Error {
  /** HTTP status. */
  readonly statusCode: number;
  /** Stable machine-readable code. */
  readonly code: string;
  /** The request field at fault, when there is one (`body/start_epoch_millis`). */
  readonly field: string | undefined;
  /** More members of the error body (e.g. `expected` positions of an `ingest_gap`). */
  readonly details: Record<string, unknown> | undefined;

  constructor(statusCode: number, code: string, message: string, field?: string, details?: Record<string, unknown>) {
    super(message);
    this.details = details;
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = field;
  }
}
