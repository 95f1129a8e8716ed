/** An error the API answers with a JSON body `{ error: { code, message, field? } }`. */
export class ApiError extends Error {
  /** HTTP status. */
  readonly statusCode: number;
  /** Stable machine-readable code. */
  readonly code: string;
  /** The request field at fault, when there is one (`body/start_epoch_millis`). */
  readonly field: string | undefined;

  constructor(statusCode: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = field;
  }
}
