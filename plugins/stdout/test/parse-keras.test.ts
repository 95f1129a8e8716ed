import { describe, expect, it } from 'vitest';
import { parseKerasLine, stripTerminalControls } from '../src/index.js';
import { parseAll } from './helpers/recording-sink.js';

const keras = (s: string) => parseKerasLine(stripTerminalControls(s));

describe('parseKerasLine', () => {
  it('reads a Keras 3 redraw with escapes, glyphs and an ETA', () => {
    const line =
      '\x1b[1m 32/120\x1b[0m \x1b[32m━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m \x1b[1m1s\x1b[0m 11ms/step - accuracy: 0.5063 - loss: 9.8765e-04   \b\b\b';
    expect(keras(line)).toEqual({
      kind: 'progress',
      current: 32,
      target: 120,
      eta: false,
      names: ['accuracy', 'loss'],
      values: [0.5063, 9.8765e-4],
    });
  });

  it('reads Keras 2 bars with ETA, and verbose=2 lines of both versions', () => {
    expect(keras('  6/40 [===>..........................] - ETA: 0s - loss: 1.0023 - lr: 1.0000e-04')).toMatchObject({
      current: 6,
      target: 40,
      eta: true,
      names: ['loss', 'lr'],
    });
    expect(keras('120/120 - 1s - loss: 0.7353 - accuracy: 0.5429 - 1s/epoch - 11ms/step')).toMatchObject({
      current: 120,
      target: 120,
      eta: false,
      names: ['loss', 'accuracy'],
    });
    expect(keras('120/120 - 1s - 11ms/step - accuracy: 0.5429 - loss: nan')).toMatchObject({
      names: ['accuracy', 'loss'],
      values: [0.5429, Number.NaN],
    });
  });

  it('reads counts of unknown length and Epoch headers, pinned or not', () => {
    expect(keras('\x1b[1m   1234/Unknown\x1b[0m \x1b[1m3s\x1b[0m 2ms/step - loss: 0.3000')).toMatchObject({
      current: 1234,
      target: Number.NaN,
      values: [0.3],
    });
    expect(keras('Epoch 3/10')).toEqual({ kind: 'epoch', epoch: 3, epochs: 10 });
    expect(keras('\x1b[H\x1b[KEpoch 2/5')).toEqual({ kind: 'epoch', epoch: 2, epochs: 5 });
  });

  it('does not mistake other output for Keras', () => {
    for (const line of [
      '3/4 of the data loaded',
      '10/20 [done]',
      'Epoch 1:  45%|████▌     | 450/1000 [00:12<00:15, 36.50it/s, loss=0.5]',
      'Epoch 1 of 10',
      '2024/01/02 12:00:00 started',
      '1/2',
    ]) {
      expect(keras(line), line).toBeUndefined();
    }
  });
});

describe('Keras epoch tracking', () => {
  it('numbers epochs from 1 when Keras prints no header, and treats a repeated final line as the same epoch', () => {
    const final = (loss: number, extra = '') =>
      `10/10 [==============================] - 0s 2ms/step - loss: ${loss}${extra}\n`;
    // Two fits with epochs=1 (Keras 3 prints no header for them).
    const { sink } = parseAll(final(0.5) + final(0.4));
    expect(sink.series('loss')).toEqual([
      [1, 0.5],
      [2, 0.4],
    ]);
    // Without a dynamic display the last batch and the epoch end both print current = target;
    // the second adds the val_ values to the same epoch.
    const repeated = parseAll(
      `Epoch 1/2\n${final(0.5)}${final(0.5, ' - val_loss: 0.6')}Epoch 2/2\n${final(0.3, ' - val_loss: 0.4')}`,
    );
    expect(repeated.sink.series('loss')).toEqual([
      [1, 0.5],
      [2, 0.3],
    ]);
    expect(repeated.sink.series('val_loss')).toEqual([
      [1, 0.6],
      [2, 0.4],
    ]);
    expect(repeated.sink.names()).not.toContain('eval/loss');
  });

  it('can be switched off', () => {
    expect(
      parseAll('Epoch 1/1\n1/1 [==============================] - 0s - loss: 1.0\n', { formats: { keras: false } }).sink
        .points,
    ).toEqual([]);
  });
});
