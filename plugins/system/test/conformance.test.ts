import { testPlugin } from '@trainscope/core/conformance';
import { systemPlugin } from '../src/system-plugin.js';

testPlugin({
  title: 'plugin conformance: system',
  create: () => systemPlugin({ pid: process.pid, sampleInterval: 10, reportInterval: 50 }),
  exercise: () => new Promise((resolve) => setTimeout(resolve, 200)),
});
