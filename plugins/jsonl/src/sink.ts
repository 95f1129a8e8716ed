import type { PluginContext } from '@trainscope/core';

/**
 * Where importers put what they read: the same shape as `PluginContext`'s methods, so a plugin
 * context, a store's run writer or a test recorder all fit.
 */
export type JsonlSink = Pick<PluginContext, 'series' | 'ingest' | 'log'>;
