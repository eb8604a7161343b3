// Writes resources' status through the /status subresource, at most `maxWritesPerSecond` times per
// resource whatever the number of callers (one per Cassandra node): updates made between two writes are
// merged (top-level fields, last one wins) and go out together. A terminal state uses `flush` to be
// written at once. A failed write is retried; a resource that is gone (404) drops what was pending. Once
// nothing is pending and the throttle interval after its last write has passed, a resource is forgotten:
// what the writer holds is bounded by the resources being written, not by all it ever wrote.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames } from './api/resources.js';
import { errorCode } from '../contract/error-code.js';
import type { StatusKind, StatusPatch } from '../contract/status.js';

export interface ResourceRef<K extends StatusKind = StatusKind> {
  kind: K;
  namespace: string;
  name: string;
}

/** What the writer holds and sends: a status merge patch of any kind (each caller's is typed by kind). */
type AnyPatch = Record<string, unknown>;

/** Sends one merge patch of `status` to the resource's /status subresource. */
export type PatchStatus = (ref: ResourceRef, status: AnyPatch) => Promise<void>;

export function patchStatusWith(api: CustomObjectsApi): PatchStatus {
  return async (ref, status) => {
    const { group, version, plural } = resourceNames[ref.kind];
    await api.patchNamespacedCustomObjectStatus(
      { group, version, plural, namespace: ref.namespace, name: ref.name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };
}

interface Pending {
  status: AnyPatch;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
  timer?: NodeJS.Timeout;
  /** Drops the entry once its last write no longer throttles anything. */
  expiry?: NodeJS.Timeout;
  lastWrite: number;
  writing?: Promise<void>;
}

export interface StatusWriterOptions {
  maxWritesPerSecond: number;
  /** Called when a write fails for another reason than a gone resource (it is retried). */
  onError?: (ref: ResourceRef, err: unknown) => void;
  /** Called after every write, with its result (for metrics). */
  onWritten?: (ref: ResourceRef, result: 'ok' | 'gone' | 'error') => void;
}

export class StatusWriter {
  private readonly pending = new Map<string, Pending>();
  /** Writes sent, for metrics and tests. */
  writes = 0;

  /** Resources the writer holds state for (a pending update, or a last write still throttling the next). */
  get tracked(): number {
    return this.pending.size;
  }

  constructor(
    private readonly patch: PatchStatus,
    private readonly opts: StatusWriterOptions,
  ) {}

  /** Queues an update; resolves once a write that includes it has succeeded (or the resource is gone). */
  update<K extends StatusKind>(ref: ResourceRef<K>, status: StatusPatch<K>): Promise<void> {
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const entry = this.pending.get(key) ?? { status: {}, waiters: [], lastWrite: 0 };
    this.pending.set(key, entry);
    clearTimeout(entry.expiry);
    entry.expiry = undefined;
    Object.assign(entry.status, status);
    const done = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    this.schedule(key, ref, entry);
    return done;
  }

  /** Drops what is known of a deleted resource (its pending update and write history). */
  forget(ref: ResourceRef): void {
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const entry = this.pending.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    clearTimeout(entry.expiry);
    entry.timer = undefined;
    entry.expiry = undefined;
    entry.waiters.forEach((w) => w.resolve());
    entry.waiters = [];
    entry.status = {};
    this.pending.delete(key);
  }

  /** Writes what is pending for the resource now, without waiting for the throttle. */
  async flush<K extends StatusKind>(ref: ResourceRef<K>, status: StatusPatch<K> = {}): Promise<void> {
    const done = this.update(ref, status);
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const entry = this.pending.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      await entry.writing;
      await this.write(key, ref, entry);
    }
    await done;
  }

  private schedule(key: string, ref: ResourceRef, entry: Pending): void {
    if (entry.timer || entry.writing) return;
    const interval = 1000 / this.opts.maxWritesPerSecond;
    const wait = Math.max(0, entry.lastWrite + interval - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.write(key, ref, entry);
    }, wait);
  }

  /**
   * The entry stays, with the time of its last write, for as long as that throttles the next update;
   * then it goes (a later update starts a new one, free to write at once).
   */
  private expire(key: string, entry: Pending): void {
    const wait = Math.max(0, entry.lastWrite + 1000 / this.opts.maxWritesPerSecond - Date.now());
    entry.expiry = setTimeout(() => {
      entry.expiry = undefined;
      const idle = !entry.timer && !entry.writing && Object.keys(entry.status).length === 0;
      if (idle && entry.waiters.length === 0 && this.pending.get(key) === entry) this.pending.delete(key);
    }, wait);
    // Only bookkeeping: it never keeps a process alive.
    entry.expiry.unref();
  }

  private async write(key: string, ref: ResourceRef, entry: Pending): Promise<void> {
    if (entry.writing || Object.keys(entry.status).length === 0) return;
    // This write carries everything pending: a turn scheduled for it is no longer needed.
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const status = entry.status;
    const waiters = entry.waiters;
    entry.status = {};
    entry.waiters = [];
    entry.lastWrite = Date.now();
    this.writes += 1;
    entry.writing = this.patch(ref, status)
      .then(
        () => {
          this.opts.onWritten?.(ref, 'ok');
          waiters.forEach((w) => w.resolve());
        },
        (err: unknown) => {
          if (errorCode(err) === 404) {
            this.opts.onWritten?.(ref, 'gone');
            waiters.forEach((w) => w.resolve());
            return;
          }
          this.opts.onWritten?.(ref, 'error');
          this.opts.onError?.(ref, err);
          // Keep it: newer updates win, the rest is written again at the next turn.
          entry.status = { ...status, ...entry.status };
          entry.waiters = [...waiters, ...entry.waiters];
        },
      )
      .finally(() => {
        entry.writing = undefined;
        if (this.pending.get(key) !== entry) return;
        if (Object.keys(entry.status).length > 0) this.schedule(key, ref, entry);
        else this.expire(key, entry);
      });
    await entry.writing;
  }
}
