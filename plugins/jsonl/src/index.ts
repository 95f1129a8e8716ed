export type { ColumnPlan, NumericColumn } from './duckdb-columns.js';
export { planColumns } from './duckdb-columns.js';
export type { FollowEvent, FollowPosition } from './file-follower.js';
export { FileFollower } from './file-follower.js';
export type { ImportJsonlOptions } from './import-jsonl.js';
export { importJsonlFile } from './import-jsonl.js';
export type { DuckdbImportOptions } from './import-jsonl-duckdb.js';
export { DuckdbRefusedError, importJsonlWithDuckdb } from './import-jsonl-duckdb.js';
export type { JsJsonlImportOptions } from './import-jsonl-js.js';
export { importJsonlWithJs } from './import-jsonl-js.js';
export type { JsonlEngine, JsonlImportOptions, JsonlImportResult } from './import-result.js';
export { formatPythonIsoTime, parseIsoTime, readTimestamp } from './iso-time.js';
export type { SplitLine } from './line-splitter.js';
export { isBlank, LineSplitter } from './line-splitter.js';
export type { MldashExportInput, MldashExportResult } from './mldash-export.js';
export { MldashPathError, writeMldashExperiment } from './mldash-export.js';
export type {
  MldashExperimentRef,
  MldashImportOptions,
  MldashImportResult,
  MldashRootEntry,
  MldashRunInfo,
} from './mldash-import.js';
export {
  findMldashExperiments,
  importMldashExperiment,
  importMldashRoot,
  mldashMetricBytes,
  readMldashRunInfo,
} from './mldash-import.js';
export type { MldashMetric } from './mldash-metric.js';
export { parseMldashMetric } from './mldash-metric.js';
export type { MldashMetricGroup, MldashSeriesColumns } from './mldash-records.js';
export { groupMetrics, metricRecordLines } from './mldash-records.js';
export { readRunForMldash } from './mldash-store.js';
export type { MldashTemplate } from './mldash-template.js';
export { MLDASH_LABELS, parseTemplate, quotedKeyForms, writtenAsInteger } from './mldash-template.js';
export type { ParsedLine } from './parse-json-line.js';
export { parseJsonLine } from './parse-json-line.js';
export type { PointMapperOptions } from './point-mapper.js';
export { PointMapper } from './point-mapper.js';
export type { PyValue } from './python-json.js';
export { PyFloat, pythonFloat, pythonInt, pythonJson, pythonString } from './python-json.js';
export { RejectReason } from './reasons.js';
export type { RecordFields } from './record-fields.js';
export { recordFields } from './record-fields.js';
export { RejectionTally } from './rejection-tally.js';
export type { JsonlSink } from './sink.js';
export type { JsonlTailOptions, JsonlTailPlugin, JsonlTailStats } from './tail-plugin.js';
export { jsonlTailPlugin } from './tail-plugin.js';
export type { TailState } from './tail-state.js';
export { readTailState, writeTailState } from './tail-state.js';
