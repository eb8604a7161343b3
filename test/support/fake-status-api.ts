// For the status writer's unit tests (test/unit/kube/status-writer-*.test.ts): one object the way the
// API server keeps it, the refs a run writes it by, and a change of its Succeeded condition.
import type { Reason } from '../../src/contract/reasons.js';
import type { ResourceRef, Seen, StatusApi } from '../../src/kube/status-writer.js';

export const ref: ResourceRef = { kind: 'CassandraBackup', namespace: 'ns', name: 'b' };

/**
 * One object the way the API server keeps it, for the policy's pure logic: a resourceVersion that every
 * write moves on, a patch with a stale one refused 409, a merge patch applied field by field. Another
 * client writes through `other`.
 */
export class FakeApi implements StatusApi {
  uid = 'u1';
  version = 1;
  status: Record<string, unknown> = {};
  exists = true;
  reads = 0;
  readonly patches: { status: Record<string, unknown>; resourceVersion?: string }[] = [];

  read(): Promise<Seen | undefined> {
    this.reads += 1;
    return Promise.resolve(this.exists ? this.seen() : undefined);
  }

  patch(_r: ResourceRef, status: Record<string, unknown>, resourceVersion?: string): Promise<Seen> {
    this.patches.push({ status, ...(resourceVersion ? { resourceVersion } : {}) });
    if (!this.exists) return Promise.reject(Object.assign(new Error('not found'), { code: 404 }));
    if (resourceVersion && resourceVersion !== String(this.version))
      return Promise.reject(Object.assign(new Error('the object has been modified'), { code: 409 }));
    this.other(status);
    return Promise.resolve(this.seen());
  }

  /** A write of another client: a merge patch, no lock. */
  other(status: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(status)) {
      if (v === null) delete this.status[k];
      else this.status[k] = structuredClone(v);
    }
    this.version += 1;
  }

  private seen(): Seen {
    return {
      metadata: { uid: this.uid, resourceVersion: String(this.version) },
      status: structuredClone(this.status),
    };
  }
}

export const owned: ResourceRef<'CassandraBackup'> = { ...ref, kind: 'CassandraBackup', uid: 'u1' };
export const succeeded = (status: 'True' | 'False' | 'Unknown', reason: Reason) => ({
  changes: [{ type: 'Succeeded', status, reason, message: reason }],
  generation: 1,
});
