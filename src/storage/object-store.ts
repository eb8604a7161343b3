// Read-only access to a backup store, one bucket: list object names under a prefix, read one object.
// The operator reads what Icarus wrote (manifests); it never writes or deletes (Icarus does that).
export interface ObjectStore {
  /** Every object name under the prefix (the full name, as listed), in any order. */
  list(prefix: string): Promise<string[]>;
  /**
   * The folders right under a prefix that is '' or ends with '/': the names between the prefix and the
   * next '/' of the objects under it (S3 common prefixes), each once, without the prefix or the '/'.
   * Lists a level without listing every object below it (a node's SSTables).
   */
  folders(prefix: string): Promise<string[]>;
  /** The object's content as UTF-8 text. */
  read(key: string): Promise<string>;
  /** Frees sockets; the store is not used afterwards. */
  close(): void;
}

/** What a store's refusal was about, where it says: the credentials, or the bucket itself. */
export type StorageRefusal = 'denied' | 'no-bucket';

/**
 * A failure to reach or read the store, with the store's own words (status, code, message) and never a
 * credential. `refusal` when the store answered that the credentials may not (`denied`) or that the
 * bucket does not exist (`no-bucket`); undefined for anything else (unreachable, a time-out, an error).
 */
export class StorageReadError extends Error {
  override name = 'StorageReadError';
  constructor(
    message: string,
    readonly refusal?: StorageRefusal,
  ) {
    super(message);
  }
}

/** The folder name of a listed sub-prefix: `a/b/c/` under `a/b/` is `c`. */
export function folderName(prefix: string, subPrefix: string): string {
  return subPrefix.slice(prefix.length).replace(/\/+$/, '');
}

/** Where time-outs of one request to a store are set: a stuck store must not stall a restore. */
export const STORE_REQUEST_TIMEOUT_MS = 15_000;
