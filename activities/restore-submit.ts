// Submits one restore phase to one node. Before it posts, it looks at what the node already runs: an
// operation of this phase and source created since the phase began is adopted (a worker died between
// the POST and the recorded result). TRUNCATE is never posted blindly: when an earlier attempt of this
// activity may have posted it and the node no longer lists it, the activity refuses and the user decides.
// It may not have: when the node still lists the restore's DOWNLOAD (it has not restarted since), an
// unlisted TRUNCATE was never posted (the earlier attempt failed before its POST), and it is posted.
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  restoreForPhase,
  restoreRequest,
  type RestoreRequest,
  type RestoreRequestTemplate,
} from '../src/icarus/requests.js';
import type { Operation } from '../src/icarus/types.js';
import type { CassandraRestoreSpec } from '../src/kube/api/resources.js';
import type { NodeWork, RestorePhaseName } from '../src/contract/status.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { RestorePlan } from '../src/contract/activity-io.js';
import { credentialsFor } from './backup-plan.js';
import type { ActivityDeps } from './deps.js';
import type { Submitted } from './backup-submit.js';
import { ensureNotDeleted } from './resource.js';
import { ensureSecretStillThere } from './secret-still-there.js';

export type SubmitRestoreInput = {
  resource: ResourceKey;
  node: NodeWork;
  phase: RestorePhaseName;
  /** Epoch ms when the workflow began this phase on this node: older operations belong to someone else. */
  notBefore: number;
  /** The entities every phase names (the backup's own tables); the spec's when absent. */
  entities?: string;
  /** Keep truncated files in CLEANUP whatever the spec says (the backup's tables are unknown). */
  keepTruncated?: boolean;
  /**
   * TRUNCATE: an operation of this node that the workflow saw end before this phase began (the node's
   * DOWNLOAD). While the node still lists it, its sidecar has not restarted since, so a TRUNCATE it does
   * not list was never posted: a retried attempt may post it.
   */
  witness?: string;
  /**
   * The CLEANUP of a cancelled verify (workflows/verify-cancel.ts): submitted even when the resource is
   * being deleted, to delete what its nodes downloaded.
   */
  afterCancel?: boolean;
} & (BuiltRestoreInput | SpecRestoreInput);

/** The plan's request (RestorePlan.request), made this phase's on this node here. */
export interface BuiltRestoreInput {
  request: RestoreRequestTemplate;
  /** Cassandra's name of the cluster: the first folder of each node's storage location. */
  clusterName: string;
  /** The source's Secret: checked still there before anything is posted. */
  secretName: string;
}

/**
 * The spec and the plan, built into the request here: what the workflow passed before
 * `restore-request-built-in-plan` (replayed histories, tasks scheduled before the upgrade).
 */
export interface SpecRestoreInput {
  spec: CassandraRestoreSpec;
  plan: Omit<RestorePlan, 'nodes' | 'request'>;
}

/** Icarus's and the worker's clocks may differ a little. */
const CLOCK_SKEW_MS = 5_000;

export const TRUNCATE_OUTCOME_UNKNOWN = 'TruncateOutcomeUnknown';

export async function submitRestore(deps: ActivityDeps, input: SubmitRestoreInput): Promise<Submitted> {
  const { node, resource, phase } = input;
  const { request, secretName, storageLocation } = phaseRequest(input);
  const client = deps.icarus(node.icarusUrl);
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  const listed = await client.listOperations({ type: 'restore' }, { signal });
  // What this phase posted is the node's newest restore operation: the phase is a barrier, and other
  // restores of the cluster wait. An operation followed by others belongs to a restore that moved on
  // (another restore of the same backup, seconds before): never adopted as this one's.
  const ofThisPhase = (op: Operation) =>
    op.restorationPhase === phase &&
    op.snapshotTag === request.snapshotTag &&
    op.storageLocation === request.storageLocation &&
    createdSince(op, input.notBefore);
  const ours = (op: Operation) => ofThisPhase(op) && !listed.some((other) => createdAfter(other, op));
  const existing = listed.filter(ours);
  // A TRUNCATE that ran is adopted whatever its state (never run twice); other phases are posted again
  // after a failure.
  const adoptable = existing.find(
    (op) => phase === 'TRUNCATE' || (op.state !== 'FAILED' && op.state !== 'CANCELLED'),
  );
  if (adoptable) {
    deps.logger.info(
      { ...resource, pod: node.pod, phase, operationId: adoptable.id, state: adoptable.state },
      'Adopted the restore operation an interrupted attempt had started',
    );
    return { operationId: adoptable.id, state: adoptable.state, adopted: true };
  }
  if (phase === 'TRUNCATE' && ctx.info.attempt > 1 && !neverPosted(listed, input.witness, ofThisPhase)) {
    throw ApplicationFailure.create({
      message: `an earlier attempt to submit TRUNCATE to ${node.pod} may have reached Icarus, which does not list it now (sidecar restarted?). Whether the tables were truncated is unknown. IMPORT has not run, so truncating again is safe for the restored data but drops writes made since: send the retry signal to truncate and continue`,
      type: TRUNCATE_OUTCOME_UNKNOWN,
      nonRetryable: true,
      details: [{ transient: false }],
    });
  }
  if (phase === 'TRUNCATE' && ctx.info.attempt > 1)
    deps.logger.info(
      { ...resource, pod: node.pod, phase, attempt: ctx.info.attempt, witness: input.witness },
      'No earlier attempt reached Icarus (it lists no TRUNCATE and still lists the DOWNLOAD before it): posting TRUNCATE',
    );
  if (!(input.afterCancel && phase === 'CLEANUP')) await ensureNotDeleted(deps, 'CassandraRestore', resource);
  await ensureSecretStillThere(deps, {
    namespace: resource.namespace,
    secretName,
    storageLocation,
    pod: node.pod,
  });
  const op = await client.submit(request, { signal });
  deps.logger.info(
    { ...resource, pod: node.pod, phase, operationId: op.id },
    'Submitted a restore phase operation',
  );
  return { operationId: op.id, state: op.state, adopted: false };
}

/**
 * Whether the earlier attempts of this TRUNCATE cannot have reached the node: it still lists the witness
 * (so it kept every operation since, and anything created after the witness ended expires after it) and
 * lists no TRUNCATE of this source created since the phase began, not even one another restore moved past.
 * An attempt that failed before its POST (kube-apiserver down, a worker killed) is then simply retried.
 */
function neverPosted(
  listed: Operation[],
  witness: string | undefined,
  ofThisPhase: (op: Operation) => boolean,
): boolean {
  if (witness === undefined || !listed.some((op) => op.id === witness)) return false;
  return !listed.some(ofThisPhase);
}

/** This phase's request on this node, and the Secret and location (the source's) it reads with. */
function phaseRequest(input: SubmitRestoreInput): {
  request: RestoreRequest;
  secretName: string;
  storageLocation: string;
} {
  const { node, resource, phase } = input;
  const tables = {
    ...(input.entities !== undefined ? { entities: input.entities } : {}),
    ...(input.keepTruncated ? { keepTruncated: true } : {}),
  };
  if ('request' in input) {
    return {
      request: restoreForPhase(
        input.request,
        node.source ?? { cluster: input.clusterName, dc: node.dc, hostId: node.hostId },
        phase,
        tables,
      ),
      secretName: input.secretName,
      storageLocation: input.request.storageLocation,
    };
  }
  const { spec, plan } = input;
  const request = restoreRequest({
    spec,
    source: { storageLocation: plan.source.storageLocation, snapshotTag: plan.source.snapshotTag },
    node: node.source ?? { cluster: plan.clusterName, dc: node.dc, hostId: node.hostId },
    phase,
    dataDirs: plan.dataDirs,
    cassandraDirectory: plan.cassandraDirectory,
    downloadDir: plan.downloadDir,
    credentials: credentialsFor(plan.icarusGeneration, resource.namespace, plan.source.secretName),
    ...tables,
  });
  return { request, secretName: plan.source.secretName, storageLocation: plan.source.storageLocation };
}

function createdSince(op: Operation, notBefore: number): boolean {
  const created = typeof op.creationTime === 'string' ? Date.parse(op.creationTime) : NaN;
  // Without a readable creation time, adopting is the safe side: a second operation could truncate again.
  return Number.isNaN(created) || created >= notBefore - CLOCK_SKEW_MS;
}

function createdAfter(later: Operation, op: Operation): boolean {
  const a = Date.parse(later.creationTime ?? '');
  const b = Date.parse(op.creationTime ?? '');
  return later.id !== op.id && !Number.isNaN(a) && !Number.isNaN(b) && a > b;
}
