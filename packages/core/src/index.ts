export type { PointBatch } from './batch.js';
export { BatchBuilder, pointBatch, validateBatchShape, validateBatchValues } from './batch.js';
export {
  BatchError,
  InvalidNameError,
  QueryError,
  SchemaVersionError,
  StoreCorruptError,
  StoreLockedError,
  StoreUnwritableError,
  TrainscopeError,
  UnknownRunError,
  UnknownSeriesError,
} from './errors.js';
export type {
  AxisScale,
  HostInfo,
  JsonValue,
  LogInput,
  LogLine,
  Project,
  Run,
  RunInput,
  RunPatch,
  Series,
  SeriesDef,
  SeriesSummary,
} from './model.js';
export { LogStream, MetricType, RunStatus, SeriesKind } from './model.js';
export { flattenGroups, joinName, MAX_SERIES_NAME_LENGTH, validateSeriesName, validateStatsdName } from './names.js';
export type { Logger, PluginContext, TrainscopePlugin } from './plugin.js';
export { silentLogger } from './plugin.js';
