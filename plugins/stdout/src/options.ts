/** Which output formats the parser recognises (each can be switched off). */
export interface FormatOptions {
  /** FloydHub JSON metric lines `{"metric": "loss", "value": 0.5}`. @default true */
  json?: boolean;
  /** Keras 2 and Keras 3 progress output (`Epoch N/M`, progress bars, `- name: value`). @default true */
  keras?: boolean;
  /** Python dict lines as Hugging Face `Trainer` prints them (`{'loss': 0.69, 'epoch': 0.25}`). @default true */
  python?: boolean;
  /** `key=value` / `key: value` pairs in tqdm progress-bar postfixes. @default true */
  tqdm?: boolean;
}

/** Options of the streaming parser (`createStdoutParser`) and of `stdoutPlugin`. */
export interface StdoutParserOptions {
  /** Formats to recognise. @default all on */
  formats?: FormatOptions;
  /**
   * Record in-epoch values from progress-bar redraws (Keras `batch/<name>` at x = global step,
   * tqdm postfixes). Epoch-end values are always recorded. @default true
   */
  batchPoints?: boolean;
  /**
   * Least time between two points taken from progress-bar redraws of one stream, in ms (Keras
   * redraws up to 20 times a second). 0 takes every redraw. @default 500
   */
  batchIntervalMs?: number;
  /**
   * Longest line kept, in bytes. A longer line is logged cut to this length with
   * `metadata.truncated`, counted as `line_too_long` and not parsed for metrics; the parser never
   * holds more than this per stream. @default 262144 (256 KiB)
   */
  maxLineBytes?: number;
}

/** Options with every default filled in. */
export interface ResolvedParserOptions {
  formats: Required<FormatOptions>;
  batchPoints: boolean;
  batchIntervalMs: number;
  maxLineBytes: number;
}

/** Fills in defaults and checks numbers; throws a `RangeError` naming the bad option. */
export function resolveParserOptions(options: StdoutParserOptions = {}): ResolvedParserOptions {
  const maxLineBytes = options.maxLineBytes ?? 256 * 1024;
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 16) {
    throw new RangeError(`maxLineBytes must be an integer of at least 16, got ${String(maxLineBytes)}.`);
  }
  const batchIntervalMs = options.batchIntervalMs ?? 500;
  if (!(batchIntervalMs >= 0)) {
    throw new RangeError(`batchIntervalMs must be a number >= 0, got ${String(batchIntervalMs)}.`);
  }
  const formats = options.formats ?? {};
  return {
    formats: {
      json: formats.json ?? true,
      keras: formats.keras ?? true,
      python: formats.python ?? true,
      tqdm: formats.tqdm ?? true,
    },
    batchPoints: options.batchPoints ?? true,
    batchIntervalMs,
    maxLineBytes,
  };
}
