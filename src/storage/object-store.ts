// Read-only access to a backup store, one bucket: list object names under a prefix, read one object.
// The operator reads what Icarus wrote (manifests); it never writes or deletes (Icarus does that).
export interface ObjectStore {
  /** Every object name under the prefix (the full name, as listed), in any order. */
  list(prefix: string): Promise<string[]>;
  /** The object's content as UTF-8 text. */
  read(key: string): Promise<string>;
  /** Frees sockets; the store is not used afterwards. */
  close(): void;
}

/**
 * A failure to reach or read the store, with the store's own words (status, code, message) and never a
 * credential. `denied` when the store refused the credentials.
 */
export class StorageReadError extends Error {
  override name = 'StorageReadError';
  constructor(
    message: string,
    readonly denied = false,
  ) {
    super(message);
  }
}

/** Where time-outs of one request to a store are set: a stuck store must not stall a restore. */
export const STORE_REQUEST_TIMEOUT_MS = 15_000;
