import { describe, expect, it } from 'vitest';
import { decodeCString, decodeProcessInfos } from '../src/decode.js';

describe('decodeCString', () => {
  it('reads up to the NUL', () => {
    expect(decodeCString(Buffer.from('Tesla T4\0garbage\0'))).toEqual({ ok: true, value: 'Tesla T4' });
    expect(decodeCString(Buffer.from('NVIDIA H100 80GB HBM3 — ü\0'))).toEqual({
      ok: true,
      value: 'NVIDIA H100 80GB HBM3 — ü',
    });
  });

  it('refuses unterminated, empty and binary names', () => {
    expect(decodeCString(Buffer.alloc(96, 65))).toMatchObject({ ok: false, reason: 'string_unterminated' });
    expect(decodeCString(Buffer.alloc(96))).toMatchObject({ ok: false, reason: 'string_empty' });
    expect(decodeCString(Buffer.from([0x41, 0x01, 0x42, 0]))).toMatchObject({ ok: false, reason: 'string_binary' });
    expect(decodeCString(Buffer.from([0x41, 0xff, 0xfe, 0]))).toMatchObject({ ok: false, reason: 'string_binary' });
  });
});

describe('decodeProcessInfos', () => {
  it('reads the v2/v3 nvmlProcessInfo_t layout and maps NVML_VALUE_NOT_AVAILABLE to undefined', () => {
    const buffer = Buffer.alloc(3 * 24);
    buffer.writeUInt32LE(4242, 0);
    buffer.writeBigUInt64LE(5n * 2n ** 30n, 8);
    buffer.writeUInt32LE(7, 24);
    buffer.writeBigUInt64LE(0xffffffffffffffffn, 32);
    expect(decodeProcessInfos(buffer, 2)).toEqual([
      { pid: 4242, usedBytes: 5 * 2 ** 30 },
      { pid: 7, usedBytes: undefined },
    ]);
  });

  it('never reads past the buffer, whatever count NVML claims', () => {
    expect(decodeProcessInfos(Buffer.alloc(30), 1000)).toHaveLength(1);
  });
});
