// What a node's own storage client meets before it gets to the bucket: its credentials refused, or the
// store's endpoint unreachable. The texts are what esop said on the real tier
// (test/contract/storage-access.test.ts: esop 3.0.1's Azure client against Azurite); a protocol whose
// answers were not recorded there cannot be given such a fault here.
//   - a backup's bucket check fails with the store's (or the HTTP client's) own words;
//   - a restore phase's check (Icarus's restore coordinator, before every phase) wraps them twice, so
//     only esop's `Unable to determine if the bucket <b> exists.` reaches the operation;
//   - a backup that skips the check fails its uploads, naming the files (as with a missing bucket).
// file:// buckets are local folders: no credential, no endpoint.

/** How a node reaches its store. */
export type StorageAccess = 'granted' | 'credentials-refused' | 'unreachable';

/** The stores whose refusals the real tier recorded. */
const BACKUP_CHECK_FAILURES = {
  azure: {
    'credentials-refused':
      'Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.',
    unreachable: 'An unknown failure occurred : Connection refused',
  },
} as const;

export type ModelledStore = keyof typeof BACKUP_CHECK_FAILURES;

/** Per node: the stores it cannot use, and why (every other store is granted). */
export type NodeStorageAccess = Partial<Record<ModelledStore, Exclude<StorageAccess, 'granted'>>>;

function accessOf(access: NodeStorageAccess, protocol: string): StorageAccess {
  return protocol in BACKUP_CHECK_FAILURES ? (access[protocol as ModelledStore] ?? 'granted') : 'granted';
}

/** The failure of a backup's bucket check on a node that cannot use its store, or undefined. */
export function backupCheckFailure(access: NodeStorageAccess, protocol: string): string | undefined {
  const a = accessOf(access, protocol);
  return a === 'granted' ? undefined : BACKUP_CHECK_FAILURES[protocol as ModelledStore][a];
}

/** The failure of a restore phase's bucket check on a node that cannot use its store, or undefined. */
export function restoreCheckFailure(
  access: NodeStorageAccess,
  protocol: string,
  bucket: string,
): string | undefined {
  return accessOf(access, protocol) === 'granted'
    ? undefined
    : `Unable to determine if the bucket ${bucket} exists.`;
}

/** Whether the node's uploads to the store fail (a backup that skipped the check). */
export function uploadsRefused(access: NodeStorageAccess, protocol: string): boolean {
  return accessOf(access, protocol) !== 'granted';
}
