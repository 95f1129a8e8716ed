/** NVML return codes the plugin acts on (nvml.h `nvmlReturn_t`). */
export const NvmlReturn = {
  success: 0,
  uninitialized: 1,
  invalidArgument: 2,
  notSupported: 3,
  noPermission: 4,
  notFound: 6,
  insufficientSize: 7,
  driverNotLoaded: 9,
  gpuIsLost: 15,
  unknown: 999,
} as const;

/** `NVML_TEMPERATURE_GPU`: the GPU die sensor. */
export const NVML_TEMPERATURE_GPU = 0;
/** `NVML_CLOCK_SM`: the streaming-multiprocessor clock. */
export const NVML_CLOCK_SM = 1;
/** Buffer size NVML asks for device names and UUIDs (`NVML_DEVICE_NAME_V2_BUFFER_SIZE`). */
export const NVML_STRING_BUFFER_SIZE = 96;
/** `NVML_VALUE_NOT_AVAILABLE` for 64-bit fields (per-process memory without permission). */
export const NVML_VALUE_NOT_AVAILABLE = 0xffffffffffffffffn;
/** Bytes per `nvmlProcessInfo_t` (v2/v3 layout: pid, pad, usedGpuMemory, gpuInstanceId, computeInstanceId). */
export const PROCESS_INFO_SIZE = 24;
