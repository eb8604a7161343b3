// What a scheduled run's CassandraBackup is called: `<schedule>-<yyyymmdd>-<hhmmss>` (UTC) of the time the
// run was due. The same run always gets the same name, so a run repeated after a crash finds its backup
// instead of making a second one. The tag follows the same rule when the template names one. A backup's
// verify (spec.verifyBackups) is named after the backup.

/** Labels and annotations that tie a backup to its schedule. */
export const SCHEDULE_LABEL = 'db.ibm.com/backup-schedule';
export const SCHEDULED_TIME_ANNOTATION = 'db.ibm.com/scheduled-time';

export function runStamp(at: Date): string {
  const iso = at.toISOString(); // 2026-11-24T02:00:00.000Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

export function scheduledBackupName(schedule: string, at: Date): string {
  return `${schedule}-${runStamp(at)}`;
}

/** The backup's snapshotTag: the template's tag plus the run time, or none (the backup's name is its tag). */
export function scheduledSnapshotTag(templateTag: string | undefined, at: Date): string | undefined {
  return templateTag ? `${templateTag}-${runStamp(at)}` : undefined;
}

/** The CassandraRestore (mode Verify) that verifies a scheduled backup: `<backup>-verify`. */
export function verifyRestoreName(backup: string): string {
  return `${backup}-verify`;
}
