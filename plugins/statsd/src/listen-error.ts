import { TrainscopeError } from '@trainscope/core';

/** A socket the options ask for could not be bound. */
export class ListenError extends TrainscopeError {
  /** The system error name (`EADDRINUSE`, `EACCES`, ...). */
  readonly errno: string;

  /**
   * @param kind `UDP`, `TCP` or `Unix socket`
   * @param where `host:port` or a socket path
   */
  constructor(kind: string, where: string, errno: string, options?: ErrorOptions) {
    const hint =
      errno === 'EADDRINUSE'
        ? 'Another process is listening there; stop it or choose another port (0 picks a free one).'
        : 'Check the address and its permissions.';
    super('listen_failed', `statsd could not listen for ${kind} on ${where} (${errno}). ${hint}`, where, options);
    this.errno = errno;
  }
}
