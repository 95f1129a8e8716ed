// The shared plugin suite, run here against a small timer plugin so the suite itself is tested.

import { testPlugin } from '../src/conformance/index.js';
import { BatchBuilder, type PluginContext, type TrainscopePlugin } from '../src/index.js';

function tickPlugin(): TrainscopePlugin & { tick(): void } {
  let ctx: PluginContext | undefined;
  let timer: NodeJS.Timeout | undefined;
  let n = 0;
  const emit = () => {
    if (!ctx) return;
    const id = ctx.series({ name: 'ticks', kind: 'custom' });
    const b = new BatchBuilder();
    b.push(id, n, Date.now(), n);
    n++;
    ctx.ingest(b.take());
  };
  return {
    name: 'tick',
    start(context) {
      ctx = context;
      timer = setInterval(emit, 10);
      context.signal.addEventListener('abort', () => clearInterval(timer));
    },
    stop() {
      clearInterval(timer);
      if (ctx) {
        emit();
        ctx.log({ text: `ticked ${n} times` });
      }
      ctx = undefined;
    },
    tick: emit,
  };
}

testPlugin({
  title: 'conformance suite on a timer plugin',
  create: tickPlugin,
  exercise: (plugin) => plugin.tick(),
});
