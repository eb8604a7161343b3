// The retention policy of a schedule, pure: which of its backups stay and which go. Rules (docs/schedules.md):
//   - a backup still running is never touched;
//   - successful backups are kept while among the newest `keepLast` and younger than `maxAge`; the newest
//     successful backup is always kept, so a schedule never leaves a cluster without a backup;
//   - a failed or cancelled backup goes once it is older than `maxAge`, or older than the oldest successful
//     backup kept (recent failures stay, to be looked at).
// The activity then keeps any backup a CassandraRestore still uses, whatever this says.

export type BackupOutcome = 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';

export interface RetainedBackup {
  name: string;
  /** When its run was due (or the resource was created). */
  time: Date;
  outcome: BackupOutcome;
}

export interface RetentionRules {
  keepLast?: number;
  maxAgeMs?: number;
}

export interface RetentionDecision {
  keep: string[];
  remove: string[];
}

export function decideRetention(
  backups: RetainedBackup[],
  rules: RetentionRules,
  now: Date,
): RetentionDecision {
  const newestFirst = [...backups].sort(
    (a, b) => b.time.getTime() - a.time.getTime() || b.name.localeCompare(a.name),
  );
  const tooOld = (b: RetainedBackup) =>
    rules.maxAgeMs !== undefined && now.getTime() - b.time.getTime() > rules.maxAgeMs;
  const keptSuccesses = newestFirst
    .filter((b) => b.outcome === 'Succeeded')
    .filter((b, i) => i === 0 || ((rules.keepLast === undefined || i < rules.keepLast) && !tooOld(b)));
  const oldestKept = keptSuccesses.at(-1)?.time.getTime();
  const keep = new Set(keptSuccesses.map((b) => b.name));
  for (const b of newestFirst) {
    if (b.outcome === 'Running') keep.add(b.name);
    if ((b.outcome === 'Failed' || b.outcome === 'Cancelled') && !tooOld(b)) {
      if (oldestKept === undefined || b.time.getTime() >= oldestKept) keep.add(b.name);
    }
  }
  return {
    keep: newestFirst.filter((b) => keep.has(b.name)).map((b) => b.name),
    remove: newestFirst.filter((b) => !keep.has(b.name)).map((b) => b.name),
  };
}
