// The API server side of the status writer (./status-writer.ts): a resource as the writer names it
// (ResourceRef) and keeps it (Seen: identity, version, status), and the two calls it makes of the API
// server (StatusApi: read the object, merge-patch its /status, locked on a resourceVersion when given),
// bound to the real API by statusApi.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames } from './api/resources.js';
import { errorCode } from '../contract/error-code.js';
import type { StatusKind, StatusOf } from '../contract/status.js';

export interface ResourceRef<K extends StatusKind = StatusKind> {
  kind: K;
  namespace: string;
  name: string;
  /** When given, an object of another uid under this name is a gone resource (deleted and recreated). */
  uid?: string;
}

/** A resource as the writer keeps it: what a patch is derived from and locked on. */
export interface Seen<K extends StatusKind = StatusKind> {
  metadata: { uid?: string; resourceVersion?: string; generation?: number };
  status?: StatusOf[K];
}

/** What the writer needs of the API server (the real one: statusApi; tests may fake it). */
export interface StatusApi {
  /** The object, or undefined when there is none (404). */
  read(ref: ResourceRef): Promise<Seen | undefined>;
  /**
   * One merge patch of `status`; with a resourceVersion, only if the object is still at it (else 409).
   * Returns the object after the patch, when the API gives it.
   */
  patch(ref: ResourceRef, status: Record<string, unknown>, resourceVersion?: string): Promise<Seen | void>;
}

export function statusApi(api: CustomObjectsApi): StatusApi {
  const names = (ref: ResourceRef) => ({
    ...resourceNames[ref.kind],
    namespace: ref.namespace,
    name: ref.name,
  });
  return {
    async read(ref) {
      try {
        return seenOf(await api.getNamespacedCustomObject(names(ref)));
      } catch (err) {
        if (errorCode(err) === 404) return undefined;
        throw err;
      }
    },
    async patch(ref, status, resourceVersion) {
      const body = resourceVersion ? { metadata: { resourceVersion }, status } : { status };
      return seenOf(
        await api.patchNamespacedCustomObjectStatus(
          { ...names(ref), body },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
    },
  };
}

/** Only what the writer uses of an object: its identity, version and status (not its spec, not managedFields). */
function seenOf(obj: unknown): Seen | undefined {
  const o = obj as { metadata?: Seen['metadata']; status?: Seen['status'] } | undefined;
  if (!o?.metadata) return undefined;
  const { uid, resourceVersion, generation } = o.metadata;
  return { metadata: { uid, resourceVersion, generation }, ...(o.status ? { status: o.status } : {}) };
}
