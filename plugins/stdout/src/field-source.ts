import { type FlatFields, ValueKind } from './flat-object.js';

/** Reads the fields of one parsed object by key, whichever way it was parsed. */
export interface FieldSource {
  /** The value's kind, or -1 when the key is absent. */
  kind(key: string): number;
  /** The value of a `number` field. */
  number(key: string): number;
  /** The value as text: a string's contents (unescaped), or the token as written. */
  text(key: string): string;
}

/** A `FieldSource` over a `FlatFields` scan of `line` (re-pointed per line, no allocation). */
export class FlatFieldSource implements FieldSource {
  line = '';
  constructor(readonly fields: FlatFields) {}

  kind(key: string): number {
    const f = this.fields.find(this.line, key);
    return f < 0 ? -1 : (this.fields.kind[f] as number);
  }

  number(key: string): number {
    return this.fields.number[this.fields.find(this.line, key)] as number;
  }

  text(key: string): string {
    const f = this.fields.find(this.line, key);
    if (f < 0) return '';
    const raw = this.fields.value(this.line, f);
    if (this.fields.kind[f] !== ValueKind.escapedString) return raw;
    try {
      return String(JSON.parse(`"${raw}"`));
    } catch {
      return raw;
    }
  }
}

/** A `FieldSource` over an object from `JSON.parse` (the slow path for unusual lines). */
export class ObjectFieldSource implements FieldSource {
  constructor(readonly object: Record<string, unknown>) {}

  kind(key: string): number {
    if (!Object.hasOwn(this.object, key)) return -1;
    const value = this.object[key];
    switch (typeof value) {
      case 'number':
        return ValueKind.number;
      case 'string':
        return ValueKind.string;
      case 'boolean':
        return ValueKind.boolean;
      default:
        return value === null ? ValueKind.null : ValueKind.other;
    }
  }

  number(key: string): number {
    return this.object[key] as number;
  }

  text(key: string): string {
    const value = this.object[key];
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
