import type { SeriesDelta } from '@trainscope/core';
import { deltaToWire } from '../to-wire.js';

/**
 * Encodes deltas as JSON once per delta object: the live hub hands the same delta to every
 * subscriber that is keeping up, so a thousand sockets share one encoding.
 */
export class DeltaEncoder {
  #cache = new WeakMap<SeriesDelta, string>();

  /** The `delta` message for these deltas. */
  message(deltas: readonly SeriesDelta[]): string {
    const parts = deltas.map((d) => {
      let json = this.#cache.get(d);
      if (json === undefined) {
        json = JSON.stringify(deltaToWire(d));
        this.#cache.set(d, json);
      }
      return json;
    });
    return `{"type":"delta","deltas":[${parts.join(',')}]}`;
  }
}
