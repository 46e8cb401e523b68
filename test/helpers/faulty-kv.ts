/**
 * Fault injection for the store: a KV binding that forwards to the real one until told to fail,
 * stall or slow down — for every key, or for the keys a predicate picks. Only for the fault tests;
 * the code under test gets it where it would get `env.GATEHOUSE`.
 */
export type KvFault =
  | { kind: 'none' }
  | { kind: 'fail' }
  /** Never answers. */
  | { kind: 'hang' }
  /** Answers after `ms`. */
  | { kind: 'slow'; ms: number };

export class FaultInjectingKv {
  fault: KvFault = { kind: 'none' };
  /** Which keys (or list prefixes) the fault applies to; all by default. */
  affects: (keyOrPrefix: string) => boolean = () => true;
  /** Reads and lists that reached the real KV. */
  reads = 0;

  constructor(private readonly real: KVNamespace) {}

  private async apply<T>(keyOrPrefix: string, operation: () => Promise<T>): Promise<T> {
    const fault = this.affects(keyOrPrefix) ? this.fault : ({ kind: 'none' } as const);
    if (fault.kind === 'fail') throw new Error('KV GET failed: 503 Service Unavailable (injected)');
    if (fault.kind === 'hang') return new Promise<T>(() => {});
    if (fault.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    this.reads++;
    return operation();
  }

  get(key: string, type?: unknown): Promise<unknown> {
    return this.apply(key, () => this.real.get(key, type as 'text'));
  }

  list(options?: KVNamespaceListOptions): Promise<KVNamespaceListResult<unknown>> {
    return this.apply(options?.prefix ?? '', () => this.real.list(options));
  }

  put(key: string, value: string, options?: KVNamespacePutOptions): Promise<void> {
    return this.apply(key, () => this.real.put(key, value, options));
  }

  delete(key: string): Promise<void> {
    return this.apply(key, () => this.real.delete(key));
  }

  /** This object where a `KVNamespace` is expected. */
  get binding(): KVNamespace {
    return this as unknown as KVNamespace;
  }
}
