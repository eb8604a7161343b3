// Fake activities for the restore workflow tests: one CassandraRestore of N nodes. The Icarus side
// (submissions, watches, cancels), status and Events are FakeBackupActivities'; this adds the restore's
// own activities: loading and planning it, the backup's tables (unreadable here: every phase names the
// spec's entities and keeps truncated files) and the downloads' check before TRUNCATE.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities/index.js';
import type { BackupContents } from '../../activities/backup-contents.js';
import { verifyDownloadDir } from '../../activities/restore-plan.js';
import { restoreForPhase, restoreTemplate, type RestoreRequest } from '../../src/icarus/requests.js';
import type { CassandraRestoreSpec } from '../../src/kube/api/resources.js';
import { cassandraRestoreSpecSchema } from '../../src/kube/api/generated.js';
import type { LoadedRestore, RestorePlan } from '../../src/contract/activity-io.js';
import type { RunOptions } from '../../src/contract/runs.js';
import type { StatusChange } from '../../src/contract/status.js';
import type { restoreWorkflow } from '../../workflows/restore.js';
import { FakeBackupActivities, runOptions } from './fake-backup-activities.js';

export const restoreSpec = cassandraRestoreSpecSchema.parse({
  cassandraCluster: 'c',
  cassandraBackup: 'backup',
});

export const restoreResource = { namespace: 'ns', name: 'restore', uid: 'uid-r' };

export class FakeRestoreActivities extends FakeBackupActivities {
  /** The restore's spec as the API server has it. */
  spec: CassandraRestoreSpec = restoreSpec;
  /** Every restore request the submissions would post (from the plan's request), in order. */
  readonly requests: RestoreRequest[] = [];
  /** The input of every read of the backup's manifests. */
  readonly contentReads: Parameters<Activities['readBackupContents']>[0][] = [];
  /** Every check of the downloads before TRUNCATE: the downloads it was asked to confirm. */
  readonly downloadChecks: string[][] = [];
  /** The generation of Icarus the plan finds on the nodes. */
  icarusGeneration: 2 | 3 = 3;
  /** What reading the backup's manifests gives. */
  contents: BackupContents = { known: false, why: 'the fake storage has no manifests' };

  /** The status writes, each a restore's (FakeBackupActivities keeps them as either kind's). */
  get restoreStatuses(): StatusChange<'CassandraRestore'>[] {
    return this.statuses as StatusChange<'CassandraRestore'>[];
  }

  restorePlan(): RestorePlan {
    const { nodes } = this.defaultPlan();
    const source = {
      cassandraBackup: 'backup',
      storageLocation: 's3://bucket',
      snapshotTag: 'tag-schema-1-1',
      secretName: 'creds',
    };
    const downloadDir = 'file:///var/lib/cassandra/downloadedsstables';
    const dirs = {
      dataDirs: ['/var/lib/cassandra/data'],
      cassandraDirectory: '/var/lib/cassandra',
      downloadDir:
        this.spec.mode === 'Verify' ? verifyDownloadDir(downloadDir, restoreResource.uid) : downloadDir,
    };
    const credentials =
      this.icarusGeneration === 2
        ? { generation: 2 as const, namespace: restoreResource.namespace, secretName: source.secretName }
        : { generation: 3 as const };
    return {
      clusterName: 'c',
      icarusGeneration: this.icarusGeneration,
      source,
      ...dirs,
      nodes,
      request: restoreTemplate({ spec: this.spec, source, ...dirs, credentials }),
    };
  }

  override activities(): Partial<Activities> {
    return {
      ...super.activities(),
      loadRestore: () => this.answer(() => this.loadIt()),
      planRestore: () =>
        this.answer(() => {
          this.plans += 1;
          return this.restorePlan();
        }),
      readBackupContents: (input) =>
        this.answer(() => {
          this.contentReads.push(input);
          return this.contents;
        }),
      checkDownloads: (input) =>
        this.answer(() => {
          this.downloadChecks.push(input.nodes.map((n) => n.downloadOperationId));
          return { unconfirmed: [] };
        }),
      submitRestore: (input) => {
        if ('request' in input) {
          const { node } = input;
          const tables = {
            ...(input.entities !== undefined ? { entities: input.entities } : {}),
            ...(input.keepTruncated ? { keepTruncated: true } : {}),
          };
          this.requests.push(
            restoreForPhase(
              input.request,
              { cluster: input.clusterName, dc: node.dc, hostId: node.hostId },
              input.phase,
              tables,
            ),
          );
        }
        return this.submitOp({
          pod: input.node.pod,
          topology: false,
          tag: 'request' in input ? input.request.snapshotTag : input.plan.source.snapshotTag,
          phase: input.phase,
        });
      },
    };
  }

  /** The phases submitted, in order, one entry per submission. */
  phasesSubmitted(): string[] {
    return this.submissions.map((s) => s.phase ?? '?');
  }

  private loadIt(): LoadedRestore | undefined {
    this.loads += 1;
    if (this.gone) return undefined;
    return { generation: this.generation, spec: this.spec, ...(this.deleting ? { deleting: true } : {}) };
  }
}

/** Starts a restoreWorkflow for the fake's resource on `taskQueue` (also its workflow id). */
export function startRestore(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  options: RunOptions = runOptions(),
): Promise<WorkflowHandle<typeof restoreWorkflow>> {
  return env.client.workflow.start<typeof restoreWorkflow>('restoreWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [{ resource: restoreResource, generation: 1, options }],
  });
}
