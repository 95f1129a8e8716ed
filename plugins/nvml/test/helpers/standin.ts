import koffi from 'koffi';
import { inject } from 'vitest';

/** Control of the NVML stand-in library (test/fixtures/nvml-standin.c), through koffi. */
export interface Standin {
  /** Path to give the plugin as `libraryPath`. */
  path: string;
  reset(): void;
  set(key: string, device: number, value: number | bigint): void;
  setError(fn: string, device: number, code: number): void;
  setName(device: number, bytes: Uint8Array): void;
  addProcess(device: number, pid: number, usedBytes: bigint): void;
  clearProcesses(device: number): void;
  calls(): number;
  initRefs(): number;
}

let cached: Standin | undefined;

/** Loads the stand-in built by the global setup (the same handle the plugin gets from dlopen). */
export function standin(): Standin {
  if (cached) return cached;
  const path = inject('nvmlStandin');
  const lib = koffi.load(path);
  const reset = lib.func('void standin_reset()');
  const set = lib.func('int standin_set(const char *key, int device, long long value)');
  const setError = lib.func('int standin_set_error(const char *fn, int device, int code)');
  const setName = lib.func('int standin_set_name(int device, void *bytes, int length)');
  const addProcess = lib.func('int standin_add_process(int device, uint32_t pid, uint64_t used)');
  const clearProcesses = lib.func('void standin_clear_processes(int device)');
  const calls = lib.func('long long standin_calls()');
  const initRefs = lib.func('int standin_init_refs()');
  const check = (what: string, result: number) => {
    if (result !== 0) throw new Error(`stand-in refused ${what}`);
  };
  cached = {
    path,
    reset: () => reset(),
    set: (key, device, value) => check(`set ${key}`, set(key, device, value)),
    setError: (fn, device, code) => check(`error ${fn}`, setError(fn, device, code)),
    setName: (device, bytes) => check('name', setName(device, bytes, bytes.length)),
    addProcess: (device, pid, used) => check('process', addProcess(device, pid, used)),
    clearProcesses: (device) => clearProcesses(device),
    calls: () => Number(calls()),
    initRefs: () => initRefs() as number,
  };
  return cached;
}
