export { exitCodeOf, TailLines } from './child-process.js';
export { CliError } from './cli-error.js';
export { buildProgram, main } from './main.js';
export type { Output } from './output.js';
export { parseParams } from './params.js';
