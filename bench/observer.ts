// What a user watching the resources sees, timed on this machine's clock: when each resource first
// appeared, when each status.state was first seen, and every change of its progress. The benchmark's
// latencies are measured from these moments (the operator's informer gets the same watch events).
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { resourceNames } from '../src/kube/api/resources.js';

export interface Seen {
  name: string;
  added: number;
  states: Map<string, number>;
  /** Every observed change of status.progress, in order. */
  progress: { at: number; value: number }[];
  latest: Record<string, unknown>;
  /** When the watch saw it deleted (gone from the API, finalizers removed). */
  deleted?: number;
}

type Kind = 'CassandraBackup' | 'CassandraRestore';

export class Observer {
  readonly seen = new Map<string, Seen>();
  private abort: AbortController | undefined;
  private stopped = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly kind: Kind,
  ) {}

  async start(): Promise<void> {
    const { group, version, plural } = resourceNames[this.kind];
    const path = `/apis/${group}/${version}/namespaces/${this.namespace}/${plural}`;
    const watch = new Watch(this.kc);
    this.abort = await watch.watch(
      path,
      { allowWatchBookmarks: false },
      (type: string, obj: Record<string, unknown>) => this.record(type, obj),
      () => {
        // A watch ends after the API server's time-out: start again (first-seen times are kept).
        if (!this.stopped) void this.start().catch(() => setTimeout(() => void this.start(), 500));
      },
    );
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  /** Resolves once `check` holds for the observed resources, or fails after `timeoutMs`. */
  async until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  /** How many of `names` have reached one of `states`. */
  countIn(names: readonly string[], states: readonly string[]): number {
    return names.filter((n) => {
      const s = this.seen.get(n);
      return s !== undefined && states.some((st) => s.states.has(st));
    }).length;
  }

  /** How many of `names` the watch has seen deleted. */
  countDeleted(names: readonly string[]): number {
    return names.filter((n) => this.seen.get(n)?.deleted !== undefined).length;
  }

  private record(type: string, obj: Record<string, unknown>): void {
    const now = Date.now();
    const name = (obj.metadata as { name?: string } | undefined)?.name;
    if (!name) return;
    let s = this.seen.get(name);
    if (!s) {
      s = { name, added: now, states: new Map(), progress: [], latest: obj };
      this.seen.set(name, s);
    }
    s.latest = obj;
    if (type === 'DELETED') s.deleted = now;
    const status = (obj.status ?? {}) as { state?: string; progress?: number };
    if (status.state && !s.states.has(status.state)) s.states.set(status.state, now);
    if (typeof status.progress === 'number' && s.progress.at(-1)?.value !== status.progress)
      s.progress.push({ at: now, value: status.progress });
    for (const w of [...this.waiters]) w();
  }
}
