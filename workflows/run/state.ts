// What every part of a backup's or restore's run reads: which resource, of which kind, with which
// operator settings, the generation the current attempt works on, and the progress the `progress` query
// answers. The run (workflows/resource-run.ts, through its run/generations.ts) is the one writer of the
// generation; the parts that report keep `progress` in step with what they wrote.
import type { ResourceKey, ResourceKind } from '../../src/contract/ids.js';
import type { RunOptions, RunProgress } from '../../src/contract/runs.js';

export interface RunState<K extends ResourceKind = ResourceKind> {
  readonly kind: K;
  /** 'Backup' or 'Restore': Event reasons (BackupFailed, RestoreCancelled) and messages. */
  readonly noun: 'Backup' | 'Restore';
  readonly resource: ResourceKey;
  readonly options: RunOptions;
  /** The generation the current attempt works on: every status write carries it. */
  readonly generation: number;
  /** What the `progress` query answers. */
  readonly progress: RunProgress;
}
