/** Per-GPU figures, in slot order within a device: name suffix after `gpu/<rank>/` and unit. */
export const GPU_FIGURES = [
  { name: 'utilization', unit: 'fraction' },
  { name: 'memory_utilization', unit: 'fraction' },
  { name: 'memory_used_bytes', unit: 'bytes' },
  { name: 'memory_total_bytes', unit: 'bytes' },
  { name: 'temperature_c', unit: '°C' },
  { name: 'power_w', unit: 'W' },
  { name: 'power_limit_w', unit: 'W' },
  { name: 'sm_clock_mhz', unit: 'MHz' },
] as const;

/** Number of figures per GPU. */
export const FIGURES_PER_GPU = GPU_FIGURES.length;

/** The NVML queries a sample makes per GPU, each feeding some figure slots. */
export const GPU_QUERIES = [
  { fn: 'nvmlDeviceGetUtilizationRates', slots: [0, 1] },
  { fn: 'nvmlDeviceGetMemoryInfo', slots: [2, 3] },
  { fn: 'nvmlDeviceGetTemperature', slots: [4] },
  { fn: 'nvmlDeviceGetPowerUsage', slots: [5] },
  { fn: 'nvmlDeviceGetEnforcedPowerLimit', slots: [6] },
  { fn: 'nvmlDeviceGetClockInfo', slots: [7] },
] as const;
