import type { HostInfo } from '@trainscope/core';
import { DEFAULT_NVML_LIBRARY } from './nvml-library.js';
import { NvmlSession } from './nvml-session.js';
import { Rejections } from './rejections.js';

/** Options of `readNvmlHostInfo`. */
export interface NvmlHostInfoOptions {
  /** NVML shared library to load. @default 'libnvidia-ml.so.1' */
  libraryPath?: string;
}

/**
 * GPU facts for the run (`Run.host`): `gpuCount`, `gpuType` (the first GPU's name) and
 * `gpuMemoryBytes` (the first GPU's total memory), as Baseten's instance type has them.
 * Resolves to `{}` where there is no NVIDIA driver or GPU; never throws.
 */
export async function readNvmlHostInfo(options: NvmlHostInfoOptions = {}): Promise<HostInfo> {
  const session = await NvmlSession.open(options.libraryPath ?? DEFAULT_NVML_LIBRARY, () => {}, new Rejections('nvml'));
  if (!session) return {};
  try {
    const info: HostInfo = { gpuCount: session.devices.length };
    const first = session.devices[0];
    if (first) info.gpuType = first.name;
    session.sample((slot, value) => {
      if (slot === 3) info.gpuMemoryBytes = value; // first GPU's memory_total_bytes
    });
    return info;
  } finally {
    session.close();
  }
}
