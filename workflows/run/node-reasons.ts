// Why nodes failed, as a condition reason: what one node's failure was (IcarusUnavailable, BucketNotFound,
// StorageAccessDenied ...), and the reason of a failed attempt, which names what every failed node had in
// common and says NodeFailed otherwise. Runs from before each reason existed keep saying NodeFailed: each
// is behind its `patched()` check.
import { patched } from '@temporalio/workflow';
import type { WatchResult } from '../../src/contract/activity-io.js';
import type { Reason } from '../../src/contract/reasons.js';
import {
  BUCKET_CHECK_FAILED,
  STORAGE_ACCESS_DENIED,
  STORAGE_UNREACHABLE,
  storageFailureReason,
} from '../storage-failures.js';

/** Runs from before it said NodeFailed whatever the nodes' failures had in common. */
export const NODE_REASON_PATCH = 'specific-node-failure-reasons';
/** From this patch on, a node whose bucket does not exist failed with BucketNotFound, not NodeFailed. */
export const BUCKET_REASON_PATCH = 'bucket-not-found-reason';
/**
 * From this patch on, nodes not started because the storage Secret went away (deleted, or stripped of its
 * keys, while the run went on) fail the run with SecretNotFound or SecretMissingKeys, not NodeFailed.
 */
export const SECRET_REASON_PATCH = 'secret-gone-reason';
/**
 * From this patch on, a node whose store refused its credentials or could not be reached failed with
 * StorageAccessDenied, StorageUnreachable or BucketCheckFailed (storage-failures.ts), not NodeFailed.
 */
export const STORAGE_REASON_PATCH = 'storage-failure-reasons';
/**
 * From this patch on, a node whose tokens are not its backup node's failed with TokensDoNotMatch (esop's
 * DOWNLOAD refuses it: a restore into another cluster whose node lacks the backup node's initial_token).
 */
export const TOKENS_REASON_PATCH = 'tokens-do-not-match-reason';
/** esop's message (CassandraSameTokens) for a node whose tokens differ from its manifest's. */
const TOKENS_DIFFER = /Tokens from snapshot and tokens of this node does not match/;
/**
 * From this patch on, a node that lacks tables or keyspaces the restore names failed with
 * SchemaNotInCluster (esop refuses DOWNLOAD, TRUNCATE and IMPORT before doing anything).
 */
export const SCHEMA_REASON_PATCH = 'schema-not-in-cluster-reason';
const SCHEMA_ABSENT =
  /Tables \[.*\] to process are not present in Cassandra|Some keyspaces to process are not present in Cassandra|Unable to find table id for /;
const SECRET_REASONS: ReadonlySet<Reason> = new Set<Reason>(['SecretNotFound', 'SecretMissingKeys']);
/** The reason of nodes that failed because their bucket does not exist (esop's bucket check said so). */
export const BUCKET_NOT_FOUND: Reason = 'BucketNotFound';
/**
 * esop's message for a bucket that does not exist and that the request may not create
 * (BucketService.checkBucket; backups without createMissingBucket, and every restore phase).
 */
const BUCKET_MISSING =
  /Bucket \S+ does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false/;
/** Node failures that have a reason of their own (docs/troubleshooting.md); any other is NodeFailed. */
const NODE_REASONS: ReadonlySet<Reason> = new Set<Reason>([
  'IcarusUnavailable',
  'IcarusRejected',
  'IcarusProtocolError',
  'IcarusOperationLost',
  BUCKET_NOT_FOUND,
  STORAGE_ACCESS_DENIED,
  STORAGE_UNREACHABLE,
  BUCKET_CHECK_FAILED,
  'TokensDoNotMatch',
  'SchemaNotInCluster',
]);

/** Why a node whose operation ended without completing failed (NODE_REASONS, or NodeFailed). */
export function failedNodeReason(end: Pick<WatchResult['ended'][number], 'outcome' | 'message'>): Reason {
  if (end.outcome === 'UNREACHABLE') return 'IcarusUnavailable';
  if (end.outcome === 'LOST') return 'IcarusOperationLost';
  if (end.outcome !== 'FAILED') return 'NodeFailed';
  const message = end.message ?? '';
  if (BUCKET_MISSING.test(message) && patched(BUCKET_REASON_PATCH)) return BUCKET_NOT_FOUND;
  if (TOKENS_DIFFER.test(message) && patched(TOKENS_REASON_PATCH)) return 'TokensDoNotMatch';
  if (SCHEMA_ABSENT.test(message) && patched(SCHEMA_REASON_PATCH)) return 'SchemaNotInCluster';
  const storage = storageFailureReason(message);
  return storage && patched(STORAGE_REASON_PATCH) ? storage : 'NodeFailed';
}

/**
 * The condition reason of failed nodes, given each one's reason: what they all failed of when it has a
 * reason of its own (every node unreachable, every request rejected ...), NodeFailed otherwise.
 */
export function nodesFailedReason(reasons: ReadonlySet<string>): Reason {
  const [only] = reasons;
  if (reasons.size === 1 && only && isIn(SECRET_REASONS, only)) {
    return patched(SECRET_REASON_PATCH) ? only : 'NodeFailed';
  }
  if (reasons.size !== 1 || !only || !isIn(NODE_REASONS, only)) return 'NodeFailed';
  return patched(NODE_REASON_PATCH) ? only : 'NodeFailed';
}

function isIn(set: ReadonlySet<Reason>, text: string): text is Reason {
  return (set as ReadonlySet<string>).has(text);
}
