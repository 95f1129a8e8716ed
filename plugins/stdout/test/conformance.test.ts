import { testPlugin } from '@trainscope/core/conformance';
import { stdoutPlugin } from '../src/index.js';

testPlugin({
  title: 'plugin conformance: stdout',
  create: () => stdoutPlugin(),
  exercise: (plugin) => {
    plugin.write('{"metric": "loss", "value": 0.5, "step": 1}\n{"metric": "loss", "value": nan', 'stdout');
    plugin.write(', "step": 2}\nEpoch 1/1\n1/1 [==============================] - 0s 2ms/step - loss: 0.4\n', 'stdout');
    plugin.write('warning on stderr without newline', 'stderr');
  },
});
