// Retention of a schedule's backups: decide (src/schedule/retention.ts), keep what a CassandraRestore still
// uses, then remove each backup that goes from storage through Icarus's remove-backup (one sidecar
// removes it from every node folder of the cluster) and only then delete its resource. With `dry`, nothing
// is removed: the run reports what would go.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { IcarusError } from '../src/icarus/errors.js';
import { removeBackupRequest } from '../src/icarus/requests.js';
import { finishedStates, type Operation } from '../src/icarus/types.js';
import { resourceNames, type CassandraBackup, type CassandraRestore } from '../src/kube/api/resources.js';
import { findCondition } from '../src/kube/conditions.js';
import { readSchedule } from '../src/kube/schedule-status.js';
import { SCHEDULED_TIME_ANNOTATION } from '../src/schedule/backup-name.js';
import { parseScheduleDuration } from '../src/schedule/duration.js';
import { decideRetention, type RetainedBackup } from '../src/schedule/retention.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { RetentionPlan } from '../src/contract/retention.js';
import { credentialsFor } from './backup-plan.js';
import { findClusterNodes } from './cluster-nodes.js';
import type { ActivityDeps } from './deps.js';
import { readResource } from './resource.js';
import { backupOutcome, scheduleBackups, scheduleEvent } from './schedule-run.js';
import { errorCode } from '../src/contract/error-code.js';

export async function planRetention(deps: ActivityDeps, schedule: ResourceKey): Promise<RetentionPlan> {
  const none: RetentionPlan = { enabled: false, dry: false, remove: [], kept: 0, protected: [] };
  const obj = await readSchedule(deps.custom, schedule.namespace, schedule.name);
  const policy = obj?.metadata.uid === schedule.uid ? obj.spec.retention : undefined;
  if (!policy) return none;
  const backups = (await scheduleBackups(deps.custom, schedule)).filter((b) => !b.metadata.deletionTimestamp);
  const facts: RetainedBackup[] = backups.map((b) => ({
    name: b.metadata.name ?? '',
    time: new Date(
      b.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION] ?? b.metadata.creationTimestamp ?? Date.now(),
    ),
    outcome: backupOutcome(b)?.result === 'Succeeded' ? 'Succeeded' : backupOutcome(b) ? 'Failed' : 'Running',
  }));
  const decision = decideRetention(
    facts,
    {
      ...(policy.keepLast !== undefined ? { keepLast: policy.keepLast } : {}),
      ...(policy.maxAge ? { maxAgeMs: parseScheduleDuration(policy.maxAge) } : {}),
    },
    new Date(),
  );
  const restores = (
    (await deps.custom.listNamespacedCustomObject({
      ...resourceNames.CassandraRestore,
      namespace: schedule.namespace,
    })) as { items: CassandraRestore[] }
  ).items.filter((r) => !r.metadata.deletionTimestamp && !isSucceeded(r));
  const remove: ResourceKey[] = [];
  const protectedBackups: string[] = [];
  for (const name of decision.remove) {
    const backup = backups.find((b) => b.metadata.name === name);
    if (!backup) continue;
    const user = restores.find((r) => restoreUses(r, backup));
    if (user) protectedBackups.push(`${name} (used by CassandraRestore ${user.metadata.name ?? ''})`);
    else remove.push({ namespace: schedule.namespace, name, uid: backup.metadata.uid ?? '' });
  }
  return {
    enabled: true,
    dry: policy.dry,
    remove,
    kept: decision.keep.length + protectedBackups.length,
    protected: protectedBackups,
  };
}

function isSucceeded(r: CassandraRestore): boolean {
  return findCondition(r.status?.conditions, 'Succeeded')?.status === 'True';
}

const normalLocation = (l: string | undefined) => (l ?? '').replace(/\/+$/, '');

/**
 * Whether a restore that has not succeeded reads this backup: by name, or by location and a tag the
 * backup's full tag starts with (a restore by tag prefix picks the newest match when it runs).
 */
export function restoreUses(restore: CassandraRestore, backup: CassandraBackup): boolean {
  const name = backup.metadata.name;
  if (restore.spec.cassandraBackup === name || restore.status?.source?.cassandraBackup === name) return true;
  const tag = backup.status?.snapshotTag;
  const restoreTag = restore.status?.source?.snapshotTag || restore.spec.snapshotTag;
  const restoreLocation = restore.status?.source?.storageLocation || restore.spec.storageLocation;
  return Boolean(
    tag &&
    restoreTag &&
    tag.startsWith(restoreTag) &&
    normalLocation(restoreLocation) === normalLocation(backup.spec.storageLocation),
  );
}

export interface RemoveBackupInput {
  schedule: ResourceKey;
  backup: ResourceKey;
  pollIntervalMs: number;
}

/** Removes one backup from storage, then deletes its resource. False when it was gone already. */
export async function removeScheduledBackup(deps: ActivityDeps, input: RemoveBackupInput): Promise<boolean> {
  const obj = await readResource(deps, 'CassandraBackup', input.backup);
  if (!obj) return false;
  const tag = obj.status?.snapshotTag;
  // A backup that never got its full tag wrote nothing under it: only the resource goes.
  if (tag) await removeFromStorage(deps, obj, tag, input.pollIntervalMs);
  try {
    await deps.custom.deleteNamespacedCustomObject({
      ...resourceNames.CassandraBackup,
      namespace: input.backup.namespace,
      name: input.backup.name,
    });
  } catch (err) {
    if (errorCode(err) !== 404) throw err;
  }
  await scheduleEvent(deps, input.schedule, {
    type: 'Normal',
    reason: 'BackupRemoved',
    message: tag
      ? `Retention removed backup ${tag} from ${obj.spec.storageLocation} and deleted CassandraBackup ${input.backup.name}`
      : `Retention deleted CassandraBackup ${input.backup.name} (it had written nothing to storage)`,
  });
  return true;
}

async function removeFromStorage(
  deps: ActivityDeps,
  obj: CassandraBackup,
  tag: string,
  pollIntervalMs: number,
): Promise<void> {
  const namespace = obj.metadata.namespace ?? '';
  const { nodes, topology, icarusGeneration } = await findClusterNodes(deps, {
    namespace,
    cluster: obj.spec.cassandraCluster,
  });
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  const problems: string[] = [];
  for (const node of nodes) {
    const request = removeBackupRequest({
      storageLocation: obj.spec.storageLocation,
      node: { cluster: topology.clusterName, dc: node.dc, hostId: node.hostId },
      backupName: tag,
      insecure: obj.spec.insecure ?? false,
      credentials: credentialsFor(icarusGeneration, namespace, obj.spec.secretName),
    });
    const client = deps.icarus(node.icarusUrl);
    let op: Operation;
    try {
      // A removal an interrupted attempt started is followed, not started twice.
      op =
        (await client.listOperations({ type: 'remove-backup' }, { signal })).find(
          (o) =>
            o.backupName === tag && o.storageLocation === request.storageLocation && o.state !== 'FAILED',
        ) ?? (await client.submit(request, { signal }));
      while (!finishedStates.has(op.state)) {
        ctx.heartbeat();
        await ctx.sleep(pollIntervalMs);
        op = await client.getOperation(op.id, { signal });
      }
    } catch (err) {
      // This sidecar is down or lost the operation: another one can do it.
      if (!(err instanceof IcarusError)) throw err;
      problems.push(`${node.pod}: ${err.message}`);
      continue;
    }
    if (op.state === 'COMPLETED') return;
    throw ApplicationFailure.create({
      message: `Icarus on ${node.pod} could not remove backup ${tag} from ${obj.spec.storageLocation}: ${(op.errors ?? []).map((e) => e.message).join('; ') || op.state}`,
      type: 'RemoveBackupFailed',
      nonRetryable: true,
    });
  }
  throw ApplicationFailure.create({
    message: `no Icarus sidecar of cluster ${obj.spec.cassandraCluster} could remove backup ${tag}: ${problems.join('; ')}`,
    type: 'IcarusUnreachable',
  });
}
