import { NVML_VALUE_NOT_AVAILABLE, PROCESS_INFO_SIZE } from './nvml-codes.js';

/** A decoded value, or why the bytes NVML handed back were refused. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string; detail: string };

/**
 * Decodes a NUL-terminated C string that NVML wrote into `buffer` (device name, UUID). Refuses a
 * buffer with no terminator, and text holding control characters (not a name).
 */
export function decodeCString(buffer: Uint8Array): Decoded<string> {
  const end = buffer.indexOf(0);
  if (end < 0) return { ok: false, reason: 'string_unterminated', detail: `no NUL in ${buffer.length} bytes` };
  const text = Buffer.from(buffer.buffer, buffer.byteOffset, end).toString('utf8');
  if (text.length === 0) return { ok: false, reason: 'string_empty', detail: 'empty string' };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\ufffd]/.test(text)) {
    return { ok: false, reason: 'string_binary', detail: JSON.stringify(text.slice(0, 40)) };
  }
  return { ok: true, value: text };
}

/** One entry of NVML's running-process list. */
export interface GpuProcess {
  pid: number;
  /** Bytes of GPU memory the process uses; undefined when NVML cannot tell (`NVML_VALUE_NOT_AVAILABLE`). */
  usedBytes: number | undefined;
}

/** Decodes `count` `nvmlProcessInfo_t` entries (v2/v3 layout) from `buffer`. */
export function decodeProcessInfos(buffer: Uint8Array, count: number): GpuProcess[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const n = Math.min(count, Math.floor(buffer.byteLength / PROCESS_INFO_SIZE));
  const out: GpuProcess[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * PROCESS_INFO_SIZE;
    const pid = view.getUint32(at, true);
    const used = view.getBigUint64(at + 8, true);
    out.push({ pid, usedBytes: used === NVML_VALUE_NOT_AVAILABLE ? undefined : Number(used) });
  }
  return out;
}
