import { TrainscopeError } from '@trainscope/core';

/** A bind to a non-loopback address while no API key exists. */
export class InsecureBindError extends TrainscopeError {
  constructor(host: string) {
    super(
      'insecure_bind',
      `Refusing to listen on ${host} without API keys: anyone on the network could read and write this store. ` +
        'Create a key first (`trainscope keys create <name>`), or bind to 127.0.0.1.',
      host,
    );
  }
}
