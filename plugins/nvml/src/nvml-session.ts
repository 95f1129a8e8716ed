import { type Decoded, decodeCString, decodeProcessInfos, type GpuProcess } from './decode.js';
import { FIGURES_PER_GPU, GPU_QUERIES } from './gpu-fields.js';
import { NvmlReturn } from './nvml-codes.js';
import { DEFAULT_NVML_LIBRARY, NvmlLibrary } from './nvml-library.js';
import type { Rejections } from './rejections.js';

/** One GPU as the session sees it. */
export interface GpuDevice {
  /** NVML index, used as the rank. */
  index: number;
  handle: bigint;
  uuid: string;
  name: string;
  /** False once an NVML error stopped sampling this GPU. */
  alive: boolean;
  /** Per query in `GPU_QUERIES`: false once NVML said the GPU does not support it. */
  supported: boolean[];
  /** False once the running-process query stopped for this GPU. */
  processesSupported: boolean;
}

/** Where the session reports what it had to give up on; each message goes out once. */
export type Notice = (text: string, level: 'info' | 'warn') => void;

/** Largest running-process list accepted from one GPU. */
export const MAX_GPU_PROCESSES = 4096;

/**
 * An initialised NVML with its GPUs enumerated: `sample()` reads every live GPU's figures into
 * a callback, `processes()` lists per-process GPU memory. Errors never throw: an unsupported
 * query stops that figure, any other NVML error stops that GPU, each said once through `notice`.
 */
export class NvmlSession {
  readonly library: NvmlLibrary;
  readonly devices: GpuDevice[];
  readonly #notice: Notice;
  readonly #rejections: Rejections;
  #open = true;
  #live: number;

  private constructor(library: NvmlLibrary, devices: GpuDevice[], notice: Notice, rejections: Rejections) {
    this.library = library;
    this.devices = devices;
    this.#live = devices.length;
    this.#notice = notice;
    this.#rejections = rejections;
  }

  /**
   * Loads NVML from `libraryPath`, initialises it and enumerates the GPUs. Resolves to
   * undefined (after one notice saying why) when there is no library, no driver or no GPU.
   */
  static async open(
    libraryPath: string = DEFAULT_NVML_LIBRARY,
    notice: Notice,
    rejections: Rejections,
  ): Promise<NvmlSession | undefined> {
    let library: NvmlLibrary;
    try {
      library = await NvmlLibrary.load(libraryPath);
    } catch (error) {
      notice(
        `nvml: cannot load the NVIDIA driver library ${libraryPath} (${(error as Error).message}); ` +
          'no GPU figures for this run, the run goes on.',
        'warn',
      );
      return undefined;
    }
    const init = library.init();
    if (init !== NvmlReturn.success) {
      notice(
        `nvml: nvmlInit failed: ${library.errorString(init)} (code ${init}); no GPU figures for this run, the run goes on.`,
        'warn',
      );
      return undefined;
    }
    const countCode = library.count();
    const count = countCode === NvmlReturn.success ? (library.u32[0] as number) : 0;
    if (countCode !== NvmlReturn.success || count === 0) {
      notice(
        countCode === NvmlReturn.success
          ? 'nvml: no NVIDIA GPU found; no GPU figures for this run.'
          : `nvml: nvmlDeviceGetCount failed: ${library.errorString(countCode)} (code ${countCode}); no GPU figures for this run.`,
        'warn',
      );
      library.shutdown();
      return undefined;
    }
    const devices: GpuDevice[] = [];
    for (let index = 0; index < count; index++) {
      const code = library.handle(index);
      if (code !== NvmlReturn.success) {
        notice(
          `nvml: GPU ${index}: nvmlDeviceGetHandleByIndex failed: ${library.errorString(code)} (code ${code}); skipping this GPU.`,
          'warn',
        );
        continue;
      }
      const handle = library.lastHandle;
      const uuid = NvmlSession.#text(library, rejections, 'uuid', handle, index, `GPU-unknown-${index}`);
      const name = NvmlSession.#text(library, rejections, 'name', handle, index, 'unknown NVIDIA GPU');
      devices.push({
        index,
        handle,
        uuid,
        name,
        alive: true,
        supported: GPU_QUERIES.map(() => true),
        processesSupported: library.hasProcessQuery,
      });
    }
    if (!library.hasProcessQuery) {
      notice(
        'nvml: this driver has no nvmlDeviceGetComputeRunningProcesses_v3/_v2; no per-process GPU memory.',
        'info',
      );
    }
    return new NvmlSession(library, devices, notice, rejections);
  }

  static #text(
    library: NvmlLibrary,
    rejections: Rejections,
    what: 'uuid' | 'name',
    handle: bigint,
    index: number,
    fallback: string,
  ): string {
    const code = what === 'uuid' ? library.uuid(handle) : library.name(handle);
    if (code !== NvmlReturn.success) {
      rejections.count(`${what}_failed`, `GPU ${index}: ${library.errorString(code)} (code ${code})`);
      return fallback;
    }
    const decoded: Decoded<string> = decodeCString(library.text);
    if (!decoded.ok) {
      rejections.count(`${what}_${decoded.reason}`, `GPU ${index}: ${decoded.detail}`);
      return fallback;
    }
    return decoded.value;
  }

  /** GPUs still sampled (counted as they stop, so reading it every sample costs nothing). */
  get liveDevices(): number {
    return this.#live;
  }

  #stop(device: GpuDevice): void {
    if (!device.alive) return;
    device.alive = false;
    this.#live--;
  }

  /**
   * Reads every live GPU once, calling `add(slot, value)` with slot = position in `devices` x
   * `FIGURES_PER_GPU` + figure. Utilizations are fractions, power is watts.
   */
  sample(add: (slot: number, value: number) => void): void {
    if (!this.#open) return;
    const lib = this.library;
    const { u32 } = lib;
    for (let d = 0; d < this.devices.length; d++) {
      const device = this.devices[d] as GpuDevice;
      if (!device.alive) continue;
      const base = d * FIGURES_PER_GPU;
      const h = device.handle;
      for (let q = 0; q < GPU_QUERIES.length; q++) {
        if (!device.supported[q]) continue;
        let code: number;
        switch (q) {
          case 0:
            code = lib.utilization(h);
            break;
          case 1:
            code = lib.memory(h);
            break;
          case 2:
            code = lib.temperature(h);
            break;
          case 3:
            code = lib.power(h);
            break;
          case 4:
            code = lib.powerLimit(h);
            break;
          default:
            code = lib.smClock(h);
        }
        if (code !== NvmlReturn.success) {
          this.#failed(device, q, code);
          if (!device.alive) break;
          continue;
        }
        switch (q) {
          case 0: {
            const gpu = u32[0] as number;
            const mem = u32[1] as number;
            if (gpu > 100 || mem > 100) {
              this.#rejections.count('utilization_out_of_range', `GPU ${device.index}: gpu ${gpu}%, memory ${mem}%`);
              break;
            }
            add(base, gpu / 100);
            add(base + 1, mem / 100);
            break;
          }
          case 1: {
            const total = lib.u64Number(0);
            const used = lib.u64Number(2);
            if (used > total) {
              this.#rejections.count('memory_used_exceeds_total', `GPU ${device.index}: used ${used} > total ${total}`);
              break;
            }
            add(base + 2, used);
            add(base + 3, total);
            break;
          }
          case 2:
            add(base + 4, u32[0] as number);
            break;
          case 3:
            add(base + 5, (u32[0] as number) / 1000);
            break;
          case 4:
            add(base + 6, (u32[0] as number) / 1000);
            break;
          default:
            add(base + 7, u32[0] as number);
        }
      }
    }
  }

  #failed(device: GpuDevice, query: number, code: number): void {
    const fn = GPU_QUERIES[query]?.fn ?? 'NVML';
    const words = `${this.library.errorString(code)} (code ${code})`;
    if (code === NvmlReturn.notSupported) {
      device.supported[query] = false;
      this.#notice(
        `nvml: GPU ${device.index} (${device.uuid}) does not support ${fn}: ${words}; those figures stay empty for it.`,
        'info',
      );
      return;
    }
    this.#stop(device);
    this.#notice(
      `nvml: GPU ${device.index} (${device.uuid}): ${fn} failed: ${words}; sampling of this GPU stops, the run goes on.`,
      'warn',
    );
  }

  /** Running processes with their GPU memory, per live GPU (position in `devices`). */
  processes(): Map<number, GpuProcess[]> {
    const out = new Map<number, GpuProcess[]>();
    if (!this.#open) return out;
    for (let d = 0; d < this.devices.length; d++) {
      const device = this.devices[d] as GpuDevice;
      if (!device.alive || !device.processesSupported) continue;
      const { code, count, bytes } = this.library.processes(device.handle, MAX_GPU_PROCESSES);
      if (code === NvmlReturn.insufficientSize) {
        this.#rejections.count('process_list_oversized', `GPU ${device.index}: ${count} processes`);
        continue;
      }
      if (code === NvmlReturn.notSupported || code === NvmlReturn.noPermission) {
        device.processesSupported = false;
        this.#notice(
          `nvml: GPU ${device.index} (${device.uuid}): no per-process memory: ${this.library.errorString(code)} (code ${code}).`,
          'info',
        );
        continue;
      }
      if (code !== NvmlReturn.success) {
        this.#stop(device);
        this.#notice(
          `nvml: GPU ${device.index} (${device.uuid}): nvmlDeviceGetComputeRunningProcesses failed: ` +
            `${this.library.errorString(code)} (code ${code}); sampling of this GPU stops, the run goes on.`,
          'warn',
        );
        continue;
      }
      out.set(d, decodeProcessInfos(bytes, count));
    }
    return out;
  }

  /** Shuts NVML down (once). */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.library.shutdown();
  }
}
