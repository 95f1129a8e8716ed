import { InvalidNameError, joinName, validateSeriesName } from '@trainscope/core';

/**
 * One name of ml-dash's nested groups (`train` -> `train/loss`), cached as a tree so a record's
 * fields find their series with one map lookup per level and no string building per call.
 */
export class NameNode {
  /** Full series name (`train/loss`); '' for the root. */
  readonly name: string;
  /** Sink id of the series, once defined; -1 before. */
  id = -1;
  /** Serial of the pending record that holds a value for this name (0: none). */
  mark = 0;
  #children: Map<string, NameNode> | undefined;

  constructor(name: string) {
    this.name = name;
  }

  /** The node for a key below this one, created (and its name checked) on first use. */
  child(key: string): NameNode {
    let children = this.#children;
    if (children === undefined) {
      children = new Map();
      this.#children = children;
    }
    let node = children.get(key);
    if (node === undefined) {
      if (key.length === 0) throw new InvalidNameError('A metric key must be a non-empty string.', key);
      node = new NameNode(validateSeriesName(joinName(this.name, key) || key));
      children.set(key, node);
    }
    return node;
  }
}
