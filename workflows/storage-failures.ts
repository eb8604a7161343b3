// Node failures that say the node's storage client could not use its store: what esop and the clouds'
// clients answer, as the real tier recorded them (test/contract/storage-access.test.ts on Azurite,
// test/real-tier/icarus2-secret.test.ts on MinIO; docs/troubleshooting.md). Pure: workflow code.

/** The store refused the node's credentials (a wrong or rotated key, no permission). */
export const STORAGE_ACCESS_DENIED = 'StorageAccessDenied';
/** The node could not reach the store (a name that does not resolve, a refused or timed-out connection). */
export const STORAGE_UNREACHABLE = 'StorageUnreachable';
/**
 * A restore phase's bucket check could not be made: Icarus's restore coordinator keeps only esop's
 * `Unable to determine if the bucket <b> exists.`, which a refused credential and an unreachable store
 * both end in (the sidecar's log has which).
 */
export const BUCKET_CHECK_FAILED = 'BucketCheckFailed';

export type StorageFailureReason =
  typeof STORAGE_ACCESS_DENIED | typeof STORAGE_UNREACHABLE | typeof BUCKET_CHECK_FAILED;

const DENIED = [
  // Azure (and Azurite): AuthenticationFailed's message.
  /Server failed to authenticate the request/,
  // S3 through the AWS SDKs (v1: "Status Code: 403; Error Code: …", v2: "Status Code: 403, …").
  /Status Code: 40[13]\b/,
  /\b(SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied|AuthorizationFailure|AuthenticationFailed)\b/,
  // Google: the token exchange refused (a wrong or revoked key), or the storage call itself.
  /\binvalid_grant\b/,
  /\b40[13] (Unauthorized|Forbidden)\b/,
];

const UNREACHABLE = [
  /Connection refused/i,
  /UnknownHostException/,
  /Name or service not known|nodename nor servname provided|Temporary failure in name resolution/,
  /connect timed out/i,
  /No route to host/i,
  // AWS SDK v1's wrapper of any I/O failure before an answer.
  /Unable to execute HTTP request/,
];

const CHECK_NOT_MADE = /Unable to determine if the bucket \S+ exists\./;

/** The reason of a node failure that is about reaching the store, or undefined for any other failure. */
export function storageFailureReason(message: string): StorageFailureReason | undefined {
  if (DENIED.some((r) => r.test(message))) return STORAGE_ACCESS_DENIED;
  if (UNREACHABLE.some((r) => r.test(message))) return STORAGE_UNREACHABLE;
  if (CHECK_NOT_MADE.test(message)) return BUCKET_CHECK_FAILED;
  return undefined;
}
