// The one writer of our resources' status, for every kind (CassandraBackup, CassandraRestore,
// CassandraBackupSchedule) and every caller: the workflows' writeStatus activity, the watch activity's
// live progress, a scheduled run's activities and the schedule reconciler. Its concurrency policy:
//
//  - A write is one JSON merge patch of the /status subresource, made from what is pending for the
//    resource and the object as last seen (what this writer's last write of it returned, or a read).
//    A change sets fields to values (null clears one), sets conditions on the object's conditions
//    (./conditions.ts: lastTransitionTime moves only when a condition's status flips), or derives fields
//    from the object's status (a scheduled run's fields, which depend on the runs recorded before).
//  - A patch derived from the object (conditions, derived fields) carries the resourceVersion of the
//    object it was derived from: optimistic concurrency. When another writer came first, the API server
//    refuses it (409 Conflict); the writer reads the object again and derives the patch anew from it, so
//    that another's write is never undone. A patch of values alone carries no resourceVersion: a merge
//    patch sets only its own fields, so it cannot undo another's write of any other field, and a fresh
//    read would not change what it says. So the object is read only when a derived patch needs it and
//    the writer has not seen it, and again after a conflict: never before a write of values alone.
//  - At most `maxWritesPerSecond` writes per resource, whatever the number of callers (one per Cassandra
//    node): updates made between two writes are merged (fields: the last value wins; conditions and
//    derived fields: applied in order) and go out together. A terminal state uses `flush` to be written
//    at once. A turn that meets a conflict reads and patches again at once, at most MAX_CONFLICTS times.
//  - A resource that is gone (404, or another uid under its name) resolves what was written for it as
//    gone. Any other failure is reported and retried at the next turn, merged with newer updates.
//  - Once nothing is pending and the throttle interval after its last write has passed, a resource is
//    forgotten, the object last seen with it: what the writer holds is bounded by the resources being
//    written, not by all it ever wrote.
import { errorCode } from '../contract/error-code.js';
import type { StatusKind, StatusOf } from '../contract/status.js';
import type { ResourceRef, Seen, StatusApi } from './status-api.js';
import { editsOf, merged, patchOf, type Edit, type StatusUpdate } from './status-edits.js';

// The resource and the API (./status-api.ts) and the change (./status-edits.ts), as callers import them here.
export { statusApi, type ResourceRef, type Seen, type StatusApi } from './status-api.js';
export type { StatusUpdate } from './status-edits.js';

/** Conflicts one turn takes before it counts as a failed write (retried at the next turn). */
export const MAX_CONFLICTS = 5;

/** How a write that included an update ended. */
export type Written<K extends StatusKind = StatusKind> =
  | { gone: true }
  /** `before`: the status a patch with conditions or derived fields was applied to (values alone: none). */
  | { gone: false; before?: StatusOf[K] };

interface Waiter {
  resolve: (written: Written) => void;
  reject: (err: unknown) => void;
}

interface Entry {
  ref: ResourceRef;
  edits: Edit[];
  waiters: Waiter[];
  timer?: NodeJS.Timeout;
  /** Drops the entry once its last write no longer throttles anything. */
  expiry?: NodeJS.Timeout;
  lastWrite: number;
  writing?: Promise<void>;
  /** The object as last seen: what derived patches are made against (dropped with the entry). */
  seen?: Seen;
}

export interface StatusWriterOptions {
  maxWritesPerSecond: number;
  /** Called when a write fails for another reason than a gone resource (it is retried). */
  onError?: (ref: ResourceRef, err: unknown) => void;
  /** Called after every patch sent, with its result (for metrics). */
  onWritten?: (ref: ResourceRef, result: 'ok' | 'gone' | 'conflict' | 'error') => void;
}

/** The resource is gone (404, or another uid under its name): nothing to write to. */
class Gone extends Error {}

export class StatusWriter {
  private readonly entries = new Map<string, Entry>();
  /** Patches sent, for metrics and tests. */
  writes = 0;
  /** Reads made to derive a patch (none for a patch of values alone), for tests. */
  reads = 0;

  /** Resources the writer holds state for (a pending update, or a last write still throttling the next). */
  get tracked(): number {
    return this.entries.size;
  }

  constructor(
    private readonly api: StatusApi,
    private readonly opts: StatusWriterOptions,
  ) {}

  /** Queues an update; resolves once a write that includes it has succeeded, or the resource is gone. */
  update<K extends StatusKind>(ref: ResourceRef<K>, update: StatusUpdate<K>): Promise<Written<K>> {
    const key = keyOf(ref);
    const edits = editsOf(update as unknown as StatusUpdate);
    const existing = this.entries.get(key);
    if (edits.length === 0 && !existing?.edits.length) {
      // Nothing to write: done once what is being written is.
      return (existing?.writing ?? Promise.resolve()).then(() => ({ gone: false }));
    }
    const entry = existing ?? { ref, edits: [], waiters: [], lastWrite: 0 };
    this.entries.set(key, entry);
    clearTimeout(entry.expiry);
    entry.expiry = undefined;
    entry.edits = merged(entry.edits, edits);
    const done = new Promise<Written<K>>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    this.schedule(key, entry);
    return done;
  }

  /**
   * Writes the update, with whatever is pending for the resource, now, without waiting for the throttle.
   * `lastSeen`: the object as the caller has it (an informer's copy), used when the writer has seen none.
   */
  async flush<K extends StatusKind>(
    ref: ResourceRef<K>,
    update: StatusUpdate<K> = {},
    lastSeen?: Seen<K>,
  ): Promise<Written<K>> {
    const done = this.update(ref, update);
    const key = keyOf(ref);
    const entry = this.entries.get(key);
    if (entry) {
      if (!entry.seen && lastSeen && (!ref.uid || lastSeen.metadata.uid === ref.uid)) entry.seen = lastSeen;
      clearTimeout(entry.timer);
      entry.timer = undefined;
      await entry.writing;
      await this.write(key, entry);
    }
    return done;
  }

  /** Drops what is known of a deleted resource (its pending update and write history). */
  forget(ref: ResourceRef): void {
    const key = keyOf(ref);
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    clearTimeout(entry.expiry);
    entry.timer = undefined;
    entry.expiry = undefined;
    entry.waiters.forEach((w) => w.resolve({ gone: true }));
    entry.waiters = [];
    entry.edits = [];
    entry.seen = undefined;
    this.entries.delete(key);
  }

  private schedule(key: string, entry: Entry): void {
    if (entry.timer || entry.writing) return;
    const interval = 1000 / this.opts.maxWritesPerSecond;
    const wait = Math.max(0, entry.lastWrite + interval - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.write(key, entry);
    }, wait);
  }

  /**
   * The entry stays, with the time of its last write, for as long as that throttles the next update;
   * then it goes (a later update starts a new one, free to write at once).
   */
  private expire(key: string, entry: Entry): void {
    const wait = Math.max(0, entry.lastWrite + 1000 / this.opts.maxWritesPerSecond - Date.now());
    entry.expiry = setTimeout(() => {
      entry.expiry = undefined;
      const idle = !entry.timer && !entry.writing && entry.edits.length === 0;
      if (idle && entry.waiters.length === 0 && this.entries.get(key) === entry) this.entries.delete(key);
    }, wait);
    // Only bookkeeping: it never keeps a process alive.
    entry.expiry.unref();
  }

  private async write(key: string, entry: Entry): Promise<void> {
    if (entry.writing || entry.edits.length === 0) return;
    // This write carries everything pending: a turn scheduled for it is no longer needed.
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const { edits, waiters, ref } = entry;
    entry.edits = [];
    entry.waiters = [];
    entry.lastWrite = Date.now();
    entry.writing = this.send(ref, entry, edits)
      .then(
        (before) => waiters.forEach((w) => w.resolve({ gone: false, ...(before ? { before } : {}) })),
        (err: unknown) => {
          if (err instanceof Gone || errorCode(err) === 404) {
            entry.seen = undefined;
            this.opts.onWritten?.(ref, 'gone');
            waiters.forEach((w) => w.resolve({ gone: true }));
            return;
          }
          this.opts.onWritten?.(ref, 'error');
          this.opts.onError?.(ref, err);
          // Keep it: written again at the next turn, before the newer updates.
          entry.edits = merged(edits, entry.edits);
          entry.waiters = [...waiters, ...entry.waiters];
        },
      )
      .finally(() => {
        entry.writing = undefined;
        if (this.entries.get(key) !== entry) return;
        if (entry.edits.length > 0) this.schedule(key, entry);
        else this.expire(key, entry);
      });
    await entry.writing;
  }

  /**
   * One turn: the patch made against the object as last seen (read first if a derived patch needs it),
   * locked on its resourceVersion when derived; on a conflict, read again and made again. Returns the
   * status a derived patch was applied to.
   */
  private async send(
    ref: ResourceRef,
    entry: Entry,
    edits: Edit[],
  ): Promise<StatusOf[StatusKind] | undefined> {
    const derived = edits.some((e) => !('fields' in e));
    for (let conflicts = 0; ;) {
      if (derived && !entry.seen) {
        this.reads += 1;
        const read = await this.api.read(ref);
        if (!read || (ref.uid && read.metadata.uid !== ref.uid)) throw new Gone();
        entry.seen = read;
      }
      const before = entry.seen;
      const patch = await patchOf(edits, before, new Date());
      this.writes += 1;
      try {
        const after = await this.api.patch(
          ref,
          patch,
          derived ? before?.metadata.resourceVersion : undefined,
        );
        // A patch of values alone may have met another object under the name: it is not this resource.
        if (after && ref.uid && after.metadata.uid !== ref.uid) throw new Gone();
        entry.seen = after ?? undefined;
        this.opts.onWritten?.(ref, 'ok');
        // Only a locked patch is known to have been applied to `before`.
        return derived ? before?.status : undefined;
      } catch (err) {
        // A patch of values alone has no precondition to fail: a 409 for it is a failure like another.
        if (errorCode(err) !== 409 || !derived) throw err;
        this.opts.onWritten?.(ref, 'conflict');
        entry.seen = undefined;
        conflicts += 1;
        if (conflicts >= MAX_CONFLICTS) throw err;
      }
    }
  }
}

/** A resource recreated under its name (another uid) is another entry. */
function keyOf(ref: ResourceRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}/${ref.uid ?? ''}`;
}
