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
export type { SeriesDelta, SubscribeOptions, Subscription } from './live/live-hub.js';
export type { M4Columns } from './m4.js';
export { bucketOf, chooseBaseExponent, LEVEL_COUNT, LEVEL_STEP } from './m4.js';
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
export type { PluginContextOptions, StorePluginContext } from './plugin-context.js';
export { createPluginContext, startPlugins, stopPlugins } from './plugin-context.js';
export type { ChartData, ChartQuery } from './query/chart.js';
export type { PointRows, PointsQuery } from './query/points.js';
export { pointsToArrow } from './query/points.js';
export { SampleWindow, windowEnd } from './sampling/window.js';
export { type DefineSeries, WindowBatch } from './sampling/window-batch.js';
export { ChunkAppender, type Column } from './store/chunk-appender.js';
export type { IngestorOptions } from './store/ingestor.js';
export { Ingestor } from './store/ingestor.js';
export { SCHEMA_VERSION } from './store/schema.js';
export type { LogQuery, RetentionPolicy, RunFilter, StoreOptions } from './store/store.js';
export { Store } from './store/store.js';
export type { OwnerInfo } from './store/store-dir.js';
export { DB_FILE, OWNER_FILE, processAlive, readOwner, resolveStoreDir } from './store/store-dir.js';
