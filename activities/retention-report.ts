// What a scheduled run reports of its retention pass (./retention.ts): the schedule's status.retention,
// and the Events beyond each removal's own (a dry run, backups kept for a restore, removals that failed).
import type { RetentionStatus } from '../src/kube/api/resources.js';
import type { EventRecord } from '../src/kube/events.js';
import type { RetentionResult } from '../src/contract/retention.js';

/** What a retention pass tells people beyond each removal (which has its own BackupRemoved Event). */
export function retentionEvents(r: RetentionResult): EventRecord[] {
  const events: EventRecord[] = [];
  if (r.dry) {
    events.push({
      type: 'Normal',
      reason: 'RetentionDryRun',
      message: r.wouldRemove.length
        ? `Retention (dry) would remove: ${r.wouldRemove.join(', ')}`
        : 'Retention (dry) would remove nothing',
    });
  }
  if (r.protected.length) {
    events.push({
      type: 'Normal',
      reason: 'RetentionProtected',
      message: `Kept although outside the retention policy: ${r.protected.join(', ')}. Once the restore has succeeded or is deleted, the next run removes them.`,
    });
  }
  for (const f of r.failed) {
    events.push({
      type: 'Warning',
      reason: 'RetentionFailed',
      message: `Could not remove CassandraBackup ${f.name}; it is kept and tried again after the next successful run: ${f.message}`,
    });
  }
  return events;
}

/** The schedule's status.retention after a pass. */
export function retentionStatus(r: RetentionResult): RetentionStatus {
  return {
    lastRunTime: new Date().toISOString(),
    kept: r.kept,
    removed: r.removed,
    wouldRemove: r.wouldRemove,
    protected: r.protected,
  };
}
