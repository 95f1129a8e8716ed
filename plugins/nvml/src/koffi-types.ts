/** The shape of a koffi-bound C function, as the plugin calls it. */
export type KoffiFunction = (...args: unknown[]) => unknown;
