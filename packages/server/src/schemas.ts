/** JSON Schemas shared by routes (fastify validates requests with its built-in ajv). */

/** A float64 on the wire: number or one of the non-finite spellings. */
export const wireNumber = {
  anyOf: [{ type: 'number' }, { type: 'string', enum: ['NaN', 'Infinity', '-Infinity'] }],
} as const;

/** Comma-separated series ids in a query string. */
export const seriesIdList = { type: 'string', pattern: '^[0-9]{1,10}(,[0-9]{1,10}){0,999}$' } as const;

/** Path parameter: a run id. */
export const runParams = {
  type: 'object',
  required: ['runId'],
  properties: { runId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/** Path parameter: a series id. */
export const seriesParams = {
  type: 'object',
  required: ['seriesId'],
  properties: { seriesId: { type: 'integer', minimum: 0, maximum: 4294967295 } },
} as const;

const scale = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 256 },
    units: { type: 'string', maxLength: 64 },
    lower: { type: 'number' },
    upper: { type: 'number' },
    progress: { type: 'boolean' },
  },
} as const;

/** A series definition sent by a remote writer. */
export const seriesDef = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 512 },
    kind: { type: 'string', enum: ['training', 'system', 'custom'] },
    type: { type: 'string', enum: ['gauge', 'counter', 'rate', 'timer', 'histogram', 'set', 'progress'] },
    group: { type: 'string', maxLength: 256 },
    x_scale: scale,
    scale,
    unit: { type: 'string', maxLength: 64 },
    labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 }, maxProperties: 32 },
  },
} as const;

/** Run statuses. */
export const runStatus = { type: 'string', enum: ['running', 'completed', 'failed', 'stopped'] } as const;

/** Host facts: a flat object of JSON values. */
export const hostFacts = { type: 'object', maxProperties: 64 } as const;
