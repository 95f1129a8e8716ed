import { testPlugin } from '@trainscope/core/conformance';
import { nvmlPlugin } from '../src/nvml-plugin.js';
import { standin } from './helpers/standin.js';

const s = standin();

testPlugin({
  title: 'plugin conformance: nvml (stand-in driver)',
  create: () => {
    s.reset();
    return nvmlPlugin({ libraryPath: s.path, sampleInterval: 10, reportInterval: 50 });
  },
  exercise: () => new Promise((resolve) => setTimeout(resolve, 120)),
});

testPlugin({
  title: 'plugin conformance: nvml (no driver)',
  create: () => nvmlPlugin({ libraryPath: '/nonexistent/libnvidia-ml.so.1' }),
  exercise: () => {},
  expectPoints: false,
});
