// What a scheduled run's retention decides and does, as it travels between the activities and the
// workflow (the rules themselves are in src/schedule/retention.ts).
import type { ResourceKey } from './ids.js';

/** What retention decided: the backups to remove, and the ones kept although the policy lets them go. */
export interface RetentionPlan {
  /** False when the schedule has no retention (or is gone): nothing to do. */
  enabled: boolean;
  dry: boolean;
  remove: ResourceKey[];
  kept: number;
  /** 'backup (used by CassandraRestore r)'. */
  protected: string[];
}

export interface RetentionResult {
  dry: boolean;
  removed: string[];
  wouldRemove: string[];
  kept: number;
  protected: string[];
  /** Backups whose removal failed (kept; tried again after the next successful run). */
  failed: { name: string; message: string }[];
}
