// The submitBackup activity: a backup operation posted once per node, its request made of the plan's (or,
// for runs begun before the plan built it, of the spec); an operation of the same tag that an interrupted
// attempt already started is adopted instead of posted again.
import { Context } from '@temporalio/activity';
import {
  backupForNode,
  backupRequest,
  type BackupRequest,
  type BackupRequestTemplate,
  type Credentials,
} from '../src/icarus/requests.js';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import type { BackupPlan } from '../src/contract/activity-io.js';
import type { NodeWork } from '../src/contract/status.js';
import type { ResourceKey } from '../src/contract/ids.js';
import { credentialsFor } from './backup-plan.js';
import type { ActivityDeps } from './deps.js';
import { ensureNotDeleted } from './resource.js';
import { ensureSecretStillThere } from './secret-still-there.js';

export type SubmitBackupInput = {
  resource: ResourceKey;
  node: NodeWork;
  /** The extra operation, after every node succeeded, that writes the cluster's topology file. */
  uploadClusterTopology?: boolean;
} & (BuiltBackupInput | SpecBackupInput);

/** The plan's request (BackupPlan.request), made this node's here. */
export interface BuiltBackupInput {
  request: BackupRequestTemplate;
  /** Cassandra's name of the cluster: the first folder of each node's storage location. */
  clusterName: string;
  /** The spec's Secret: checked still there before anything is posted. */
  secretName: string;
}

/**
 * The spec and the plan, built into this node's request here: what the workflows passed before
 * `backup-request-built-in-plan` (replayed histories, tasks scheduled before the upgrade).
 */
export interface SpecBackupInput {
  spec: CassandraBackupSpec;
  plan: Omit<BackupPlan, 'nodes' | 'request'>;
}

export interface Submitted {
  operationId: string;
  state: string;
  /** True when an operation of this backup was already running on the node (an interrupted attempt). */
  adopted: boolean;
}

export async function submitBackup(deps: ActivityDeps, input: SubmitBackupInput): Promise<Submitted> {
  const { node, resource } = input;
  const { request, secretName, storageLocation } = nodeBackupRequest(input);
  const client = deps.icarus(node.icarusUrl);
  const signal = Context.current().cancellationSignal;
  // An earlier attempt of this activity may have submitted before its worker died: adopt that operation.
  const existing = (await client.listOperations({ type: 'backup' }, { signal })).find(
    (op) =>
      op.snapshotTag === request.snapshotTag &&
      op.storageLocation === request.storageLocation &&
      Boolean(op.uploadClusterTopology) === request.uploadClusterTopology &&
      op.state !== 'FAILED' &&
      op.state !== 'CANCELLED',
  );
  if (existing) {
    deps.logger.info(
      { ...resource, pod: node.pod, operationId: existing.id },
      'Adopted the backup operation an interrupted attempt had started',
    );
    return { operationId: existing.id, state: existing.state, adopted: true };
  }
  await ensureNotDeleted(deps, 'CassandraBackup', resource);
  await ensureSecretStillThere(deps, {
    namespace: resource.namespace,
    secretName,
    storageLocation,
    pod: node.pod,
  });
  const op = await client.submit(request, { signal });
  deps.logger.info({ ...resource, pod: node.pod, operationId: op.id }, 'Submitted a backup operation');
  return { operationId: op.id, state: op.state, adopted: false };
}

/** This node's request, and the Secret and location (as the spec gives it) it reads with. */
function nodeBackupRequest(input: SubmitBackupInput): {
  request: BackupRequest;
  secretName: string;
  storageLocation: string;
} {
  const { node, resource } = input;
  const uploadClusterTopology = input.uploadClusterTopology ?? false;
  if ('request' in input) {
    return {
      request: backupForNode(
        input.request,
        { cluster: input.clusterName, dc: node.dc, hostId: node.hostId },
        uploadClusterTopology,
      ),
      secretName: input.secretName,
      storageLocation: input.request.storageLocation,
    };
  }
  const { spec, plan } = input;
  const credentials: Credentials = credentialsFor(plan.icarusGeneration, resource.namespace, spec.secretName);
  const request = backupRequest({
    spec,
    node: { cluster: plan.clusterName, dc: node.dc, hostId: node.hostId },
    resolvedTag: plan.resolvedTag,
    schemaVersion: plan.schemaVersion,
    dataDirs: plan.dataDirs,
    credentials,
    uploadClusterTopology,
  });
  return { request, secretName: spec.secretName, storageLocation: spec.storageLocation };
}
