// A backup's data in storage, as the activities that remove it see it: the restores that still need it,
// and its removal through Icarus's remove-backup (one sidecar removes it from every node folder of the
// cluster), recorded on the resource. The one code path of both removals: a schedule's retention
// (./retention.ts) and a backup deleted with deletionPolicy Delete (./backup-deletion.ts); what one of
// them removed, the other finds recorded and does not remove again.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { IcarusError } from '../src/icarus/errors.js';
import { removeBackupRequest } from '../src/icarus/requests.js';
import { finishedStates, type Operation } from '../src/icarus/types.js';
import { resourceNames, type CassandraBackup, type CassandraRestore } from '../src/kube/api/resources.js';
import { REMOVED_FROM_STORAGE_ANNOTATION } from '../src/kube/backup-deletion.js';
import { checkCredentials, requireKeysForGeneration } from '../src/kube/credentials.js';
import { errorCode } from '../src/contract/error-code.js';
import { credentialsFor } from './backup-plan.js';
import { findClusterNodes } from './cluster-nodes.js';
import type { ActivityDeps } from './deps.js';

/** The CassandraRestores of a namespace, as they are now. */
export async function listRestores(deps: ActivityDeps, namespace: string): Promise<CassandraRestore[]> {
  return (
    (await deps.custom.listNamespacedCustomObject({ ...resourceNames.CassandraRestore, namespace })) as {
      items: CassandraRestore[];
    }
  ).items;
}

/**
 * Removes the backup stored under `tag`, then records it on the resource (the annotation
 * REMOVED_FROM_STORAGE_ANNOTATION), so that whoever deletes the resource next knows the data is gone.
 */
export async function removeBackupData(
  deps: ActivityDeps,
  obj: CassandraBackup,
  tag: string,
  pollIntervalMs: number,
): Promise<void> {
  await removeFromStorage(deps, obj, tag, pollIntervalMs);
  try {
    await deps.custom.patchNamespacedCustomObject(
      {
        ...resourceNames.CassandraBackup,
        namespace: obj.metadata.namespace ?? '',
        name: obj.metadata.name ?? '',
        body: { metadata: { annotations: { [REMOVED_FROM_STORAGE_ANNOTATION]: tag } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    // Gone: nothing is left to record it on.
    if (errorCode(err) !== 404) throw err;
  }
}

/**
 * Removes the backup stored under `tag` through the first sidecar of its cluster that answers. A
 * removal an interrupted attempt started is followed, not started twice; a backup removed already is
 * no error (Icarus completes having removed nothing). Icarus 2.x reads the Secret itself: it must be
 * there, with its keys (a PlanError says which).
 */
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
  if (icarusGeneration === 2) {
    requireKeysForGeneration(
      await checkCredentials(deps.core, namespace, obj.spec.secretName, obj.spec.storageLocation),
      icarusGeneration,
    );
  }
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  const problems: string[] = [];
  for (const node of nodes) {
    ctx.heartbeat();
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
