// Buckets as esop sees them (esop 3.0.1 and 2.0.4 run the same code; docs/icarus.md, "Buckets"):
//   - the check (BucketService.checkBucket): the bucket exists → go on; it does not and the request may
//     create it → create it; otherwise fail with esop's own message;
//   - a backup checks before its snapshot unless `skipBucketVerification`, creating the bucket when
//     `createMissingBucket` (BaseBackupOperationCoordinator);
//   - a restore is checked before every phase by Icarus's restore coordinator whatever
//     `skipBucketVerification` says, never creating it (IcarusRestoreOperationCoordinator, Icarus 2.0.4
//     and 3.0.0; tools/icarus-node does the same); esop's INIT and DOWNLOAD would check again;
//   - file://: esop's LocalBucketService says every bucket exists and makes none; the upload makes the
//     folders. So a file:// location never fails the check, and createMissingBucket changes nothing;
//   - no check and no bucket: every data file's upload fails, and the operation with esop's
//     `Unable to upload some files successfully: <object keys>` (the store's own words reach only the
//     sidecar's log); a backup without data files fails on its manifest, with the store's words.
import type { BucketStore } from './storage.js';

/** esop's message for a missing bucket it may not create (BucketService.checkBucket). */
export function bucketMissingMessage(bucket: string): string {
  return `Bucket ${bucket} does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false! Can not continue!`;
}

/** The name of the location's bucket when it is a cloud bucket the store does not have. */
export function missingBucket(storage: BucketStore, location: string): string | undefined {
  const bucket = storage.bucketOf(location);
  if (bucket.protocol === 'file' || storage.bucketExists(location)) return undefined;
  return bucket.name;
}

/** esop's bucket check: undefined when the bucket exists or was created now, else the failure's message. */
export function checkBucket(
  storage: BucketStore,
  location: string,
  createMissingBucket: boolean,
): string | undefined {
  const missing = missingBucket(storage, location);
  if (missing === undefined) return undefined;
  if (!createMissingBucket) return bucketMissingMessage(missing);
  // Several nodes may create it at once: esop tolerates the bucket another node has just made.
  storage.createBucket(location);
  return undefined;
}

/** What each store answers an upload into a bucket that does not exist. */
const NO_SUCH_BUCKET: Record<string, string> = {
  s3: 'The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: 0000000000000000)',
  azure: 'The specified container does not exist.',
  gcp: 'The specified bucket does not exist.',
};

/** The failure of a backup's uploads into a bucket that does not exist. */
export function uploadFailure(protocol: string, dataObjectKeys: string[]): string {
  return dataObjectKeys.length > 0
    ? `Unable to upload some files successfully: ${dataObjectKeys.join(',')}`
    : (NO_SUCH_BUCKET[protocol] ?? 'The specified bucket does not exist');
}
