import type { ApiErrorBody } from '@trainscope/client';
import { TrainscopeError } from '@trainscope/core';
import { ApiError } from './api-error.js';

/** HTTP status of each core error code; codes not listed are server faults (500). */
const CORE_STATUS: Record<string, number> = {
  unknown_run: 404,
  unknown_series: 404,
  bad_batch: 400,
  bad_query: 400,
  invalid_name: 400,
  store_locked: 409,
};

/** Fastify's own error codes for request problems, renamed to stable API codes. */
const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_content_length'],
  FST_ERR_VALIDATION: [400, 'invalid_request'],
};

/** An error mapped to its HTTP status and JSON body. */
export interface MappedError {
  statusCode: number;
  body: ApiErrorBody;
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: { instancePath?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/**
 * Maps any error thrown while answering a request to a status and a stable code. Pure, so the
 * whole table is tested without a server.
 */
export function mapError(error: unknown): MappedError {
  if (error instanceof ApiError) {
    return {
      statusCode: error.statusCode,
      body: {
        error: {
          ...error.details,
          code: error.code,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
        },
      },
    };
  }
  if (error instanceof TrainscopeError) {
    const statusCode = CORE_STATUS[error.code] ?? 500;
    return { statusCode, body: { error: { code: error.code, message: error.message } } };
  }
  const e = (error ?? {}) as FastifyLikeError;
  const fastifyCode = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (fastifyCode) {
    const [statusCode, code] = fastifyCode;
    const field = e.validation ? validationField(e) : undefined;
    const message = String(e.message ?? code);
    return { statusCode, body: { error: { code, message, ...(field ? { field } : {}) } } };
  }
  if (e.validation) {
    const field = validationField(e);
    return {
      statusCode: 400,
      body: { error: { code: 'invalid_request', message: String(e.message), ...(field ? { field } : {}) } },
    };
  }
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  return {
    statusCode: status,
    body: {
      error: {
        code: status === 500 ? 'internal' : 'bad_request',
        message: status === 500 ? 'The server failed to answer this request; see its log.' : String(e.message),
      },
    },
  };
}

function validationField(e: FastifyLikeError): string | undefined {
  const first = e.validation?.[0];
  if (!first) return undefined;
  const path = (first.instancePath ?? '').replace(/^\//, '');
  const missing = first.params?.['missingProperty'];
  const leaf = typeof missing === 'string' ? (path ? `${path}/${missing}` : missing) : path;
  return [e.validationContext, leaf].filter(Boolean).join('/');
}
