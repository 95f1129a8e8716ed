import { endianness } from 'node:os';
import type { KoffiFunction } from './koffi-types.js';
import { NVML_CLOCK_SM, NVML_STRING_BUFFER_SIZE, NVML_TEMPERATURE_GPU, NvmlReturn } from './nvml-codes.js';

/** NVML's default library name; the loader finds it through the usual dynamic-linker paths. */
export const DEFAULT_NVML_LIBRARY = 'libnvidia-ml.so.1';

/**
 * NVML bound through koffi. Calls return NVML's return code and leave their results in the
 * reused typed arrays `u32` / `u64`, so a sample allocates nothing per call.
 */
export class NvmlLibrary {
  /** Unsigned 32-bit results: utilization (gpu, memory), temperature, power, limit, clock. */
  readonly u32 = new Uint32Array(2);
  /** Unsigned 64-bit results: memory (total, free, used). */
  readonly u64 = new BigUint64Array(3);
  // The same bytes as 32-bit words, so `u64Number` reads them without making a BigInt.
  readonly #u64Words = new Uint32Array(this.u64.buffer);
  readonly #low = endianness() === 'LE' ? 0 : 1;
  readonly path: string;
  readonly #fn: Record<string, KoffiFunction>;
  // The per-sample functions, held directly: no lookup or rest arguments on the hot path.
  readonly #utilization: KoffiFunction;
  readonly #memory: KoffiFunction;
  readonly #temperature: KoffiFunction;
  readonly #power: KoffiFunction;
  readonly #powerLimit: KoffiFunction;
  readonly #clock: KoffiFunction;
  readonly #handle = new BigUint64Array(1);
  readonly #text = Buffer.alloc(NVML_STRING_BUFFER_SIZE);
  readonly #count = new Uint32Array(1);
  #procs = Buffer.alloc(64 * 24);

  private constructor(path: string, fn: Record<string, KoffiFunction>) {
    this.path = path;
    this.#fn = fn;
    this.#utilization = this.#bound('utilization');
    this.#memory = this.#bound('memory');
    this.#temperature = this.#bound('temperature');
    this.#power = this.#bound('power');
    this.#powerLimit = this.#bound('powerLimit');
    this.#clock = this.#bound('clock');
  }

  /**
   * Loads the library and binds the functions the plugin uses. Throws when the library or koffi
   * cannot be loaded, or a required symbol is missing.
   */
  static async load(path: string = DEFAULT_NVML_LIBRARY): Promise<NvmlLibrary> {
    const { default: koffi } = await import('koffi');
    const lib = koffi.load(path);
    const fn: Record<string, KoffiFunction> = {
      init: lib.func('int nvmlInit_v2()'),
      shutdown: lib.func('int nvmlShutdown()'),
      errorString: lib.func('const char *nvmlErrorString(int result)'),
      count: lib.func('int nvmlDeviceGetCount_v2(void *count)'),
      handle: lib.func('int nvmlDeviceGetHandleByIndex_v2(uint32_t index, void *device)'),
      name: lib.func('int nvmlDeviceGetName(void *device, void *name, uint32_t length)'),
      uuid: lib.func('int nvmlDeviceGetUUID(void *device, void *uuid, uint32_t length)'),
      utilization: lib.func('int nvmlDeviceGetUtilizationRates(void *device, void *utilization)'),
      memory: lib.func('int nvmlDeviceGetMemoryInfo(void *device, void *memory)'),
      temperature: lib.func('int nvmlDeviceGetTemperature(void *device, int sensor, void *temp)'),
      power: lib.func('int nvmlDeviceGetPowerUsage(void *device, void *power)'),
      powerLimit: lib.func('int nvmlDeviceGetEnforcedPowerLimit(void *device, void *limit)'),
      clock: lib.func('int nvmlDeviceGetClockInfo(void *device, int type, void *clock)'),
    };
    for (const name of ['nvmlDeviceGetComputeRunningProcesses_v3', 'nvmlDeviceGetComputeRunningProcesses_v2']) {
      try {
        fn.processes = lib.func(`int ${name}(void *device, void *count, void *infos)`);
        break;
      } catch {
        // older drivers: try the next version
      }
    }
    // Never unloaded: drivers keep threads and state that do not survive dlclose.
    return new NvmlLibrary(path, fn);
  }

  #call(name: string, ...args: unknown[]): number {
    const fn = this.#fn[name];
    if (!fn) return NvmlReturn.notSupported;
    return fn(...args) as number;
  }

  #bound(name: string): KoffiFunction {
    return this.#fn[name] ?? (() => NvmlReturn.notSupported);
  }

  /** `nvmlInit_v2`. */
  init(): number {
    return this.#call('init');
  }

  /** `nvmlShutdown`. */
  shutdown(): number {
    return this.#call('shutdown');
  }

  /** `nvmlErrorString`: NVML's words for a return code. */
  errorString(code: number): string {
    const text = this.#fn.errorString?.(code) as string | null | undefined;
    return typeof text === 'string' && text.length > 0 ? text : `NVML error ${code}`;
  }

  /** `nvmlDeviceGetCount_v2`; the count is in `u32[0]`. */
  count(): number {
    const code = this.#call('count', this.#count);
    this.u32[0] = this.#count[0] as number;
    return code;
  }

  /** `nvmlDeviceGetHandleByIndex_v2`; the handle is `lastHandle`. */
  handle(index: number): number {
    return this.#call('handle', index, this.#handle);
  }

  /** Device handle from the last successful `handle()` call. */
  get lastHandle(): bigint {
    return this.#handle[0] as bigint;
  }

  /** `nvmlDeviceGetName`; the raw bytes are in `text`. */
  name(device: bigint): number {
    this.#text.fill(0);
    return this.#call('name', device, this.#text, this.#text.length);
  }

  /** `nvmlDeviceGetUUID`; the raw bytes are in `text`. */
  uuid(device: bigint): number {
    this.#text.fill(0);
    return this.#call('uuid', device, this.#text, this.#text.length);
  }

  /** Bytes written by the last `name()` / `uuid()` call. */
  get text(): Uint8Array {
    return this.#text;
  }

  /** `nvmlDeviceGetUtilizationRates`: percent busy of the GPU in `u32[0]`, of the memory controller in `u32[1]`. */
  utilization(device: bigint): number {
    return this.#utilization(device, this.u32) as number;
  }

  /** `nvmlDeviceGetMemoryInfo`: total, free, used bytes in `u64`. */
  memory(device: bigint): number {
    return this.#memory(device, this.u64) as number;
  }

  /**
   * Entry `i` of `u64` as a number, equal to `Number(u64[i])` (one rounding to the nearest
   * double above 2^53) but without allocating a BigInt.
   */
  u64Number(i: number): number {
    const words = this.#u64Words;
    const low = this.#low;
    return (words[2 * i + 1 - low] as number) * 4294967296 + (words[2 * i + low] as number);
  }

  /** `nvmlDeviceGetTemperature(NVML_TEMPERATURE_GPU)`: degrees C in `u32[0]`. */
  temperature(device: bigint): number {
    return this.#temperature(device, NVML_TEMPERATURE_GPU, this.u32) as number;
  }

  /** `nvmlDeviceGetPowerUsage`: milliwatts in `u32[0]`. */
  power(device: bigint): number {
    return this.#power(device, this.u32) as number;
  }

  /** `nvmlDeviceGetEnforcedPowerLimit`: milliwatts in `u32[0]`. */
  powerLimit(device: bigint): number {
    return this.#powerLimit(device, this.u32) as number;
  }

  /** `nvmlDeviceGetClockInfo(NVML_CLOCK_SM)`: MHz in `u32[0]`. */
  smClock(device: bigint): number {
    return this.#clock(device, NVML_CLOCK_SM, this.u32) as number;
  }

  /** Whether this driver has a running-process query (`_v3` or `_v2`). */
  get hasProcessQuery(): boolean {
    return this.#fn.processes !== undefined;
  }

  /**
   * `nvmlDeviceGetComputeRunningProcesses`: grows its buffer when NVML says it is too small (up
   * to `maxProcesses`). Returns the code and, on success, the raw entries and their count.
   */
  processes(device: bigint, maxProcesses: number): { code: number; count: number; bytes: Uint8Array } {
    for (let attempt = 0; attempt < 3; attempt++) {
      this.#count[0] = this.#procs.length / 24;
      const code = this.#call('processes', device, this.#count, this.#procs);
      const count = this.#count[0] as number;
      if (code === NvmlReturn.insufficientSize && count > this.#procs.length / 24 && count <= maxProcesses) {
        this.#procs = Buffer.alloc((count + 8) * 24);
        continue;
      }
      return { code, count, bytes: this.#procs };
    }
    return { code: NvmlReturn.insufficientSize, count: this.#count[0] as number, bytes: this.#procs };
  }
}
