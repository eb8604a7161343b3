// An imported CassandraBackup's run (spec.imported): no node is asked to back anything up. The backup
// its snapshotTag names is looked up in the storage location (activities/imported-backup.ts) and the
// status says what it holds; a restore can then name it. What cannot be found fails as any attempt
// does (retried on the retry signal or a spec change; a storage that cannot be reached is retried).
import type { ImportedBackup } from '../src/contract/activity-io.js';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import type { ResourceRun } from './resource-run.js';
import { kube } from './run/activities.js';
import { failedFrom, type AttemptOutcome } from './run/outcomes.js';

export async function importFromStorage(
  run: ResourceRun<'CassandraBackup'>,
  spec: CassandraBackupSpec,
): Promise<AttemptOutcome> {
  let found: ImportedBackup;
  try {
    found = await kube().readImportedBackup({ resource: run.resource, spec });
  } catch (err) {
    return failedFrom(err, 'PlanningFailed');
  }
  const files = found.nodes.reduce((n, x) => n + x.files, 0);
  const bytes = found.nodes.reduce((n, x) => n + x.bytes, 0);
  const message = `Imported ${found.name} from ${spec.storageLocation}: taken ${found.time} by cluster ${found.cluster}, ${found.nodes.length} node(s) in ${found.datacenters.join(', ')}, ${files} file(s), ${bytes} byte(s); restore it with spec.cassandraBackup`;
  run.progress.state = 'COMPLETED';
  run.progress.progress = 100;
  run.progress.snapshotTag = found.name;
  run.progress.reason = 'BackupImported';
  await run.report.emit({ type: 'Normal', reason: 'BackupImported', message });
  await run.report.setStatus(
    {
      state: 'COMPLETED',
      progress: 100,
      errors: null,
      snapshotTag: found.name,
      schemaVersion: found.schemaVersion,
      startTime: found.time,
      completionTime: found.time,
      // Per node of the backup: what a node of a rebuilt cluster needs to take its place (initial_token).
      nodes: found.nodes.map((n) => ({
        pod: n.hostname?.split('.')[0] ?? n.hostId,
        dc: n.dc,
        hostId: n.hostId,
        state: 'COMPLETED',
        progress: 100,
        initialToken: n.tokens.join(','),
      })),
    },
    'True',
    'BackupImported',
    message,
  );
  return { kind: 'succeeded' };
}
