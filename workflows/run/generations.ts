// Which generation of its resource's spec a backup's or restore's run works on, and the newest it has
// seen (the specChanged signal, a read): a newer one makes a failed run retry, and under
// SPEC_RESTART_PATCH stops a running backup. Also the reads of the resource that move them: at the start
// of every attempt (`load`: the generation worked on, marked Planning) and just before success
// (`stillCurrent`: a spec changed since the attempt began starts it again). The run
// (workflows/resource-run.ts) holds one and answers `generation` from it.
import { patched, workflowInfo } from '@temporalio/workflow';
import type { ResourceKind } from '../../src/contract/ids.js';
import { LOCAL_K8S_PATCH } from './activities.js';
import { NO_SUBMIT_AFTER_CANCEL_PATCH, type Cancellation } from './cancellation.js';
import { failedFrom, type AttemptOutcome } from './outcomes.js';
import type { Reporter } from './report.js';
import type { RunState } from './state.js';

/** From this patch on, a backup whose spec changes while an attempt runs stops it and starts again. */
export const SPEC_RESTART_PATCH = 'restart-on-spec-change';

/** The run as its reads of the resource use it: its state, what it reports, how it stops. */
export interface ReadingRun<K extends ResourceKind> extends RunState<K> {
  readonly report: Reporter<K>;
  readonly cancellation: Cancellation<K>;
}

export class Generations<K extends ResourceKind = ResourceKind> {
  /** The generation the current attempt works on (`load` sets it). */
  private workedOn: number;
  /** The newest generation seen (the specChanged signal, a read): past `current`, a failure retries. */
  private newest: number;

  constructor(
    generation: number,
    private readonly run: ReadingRun<K>,
  ) {
    this.newest = generation;
    this.workedOn = generation;
  }

  /** The generation the current attempt works on. */
  get current(): number {
    return this.workedOn;
  }

  /** Whether a generation newer than the one worked on has been seen. */
  get changed(): boolean {
    return this.newest > this.workedOn;
  }

  /** A generation the specChanged signal brought. */
  signalled(generation: number): void {
    if (generation > this.newest) this.newest = generation;
  }

  /**
   * The start of every attempt: reads the resource (an outcome when it is gone or its spec is invalid),
   * records the generation it works on and marks it Planning.
   */
  async load<L extends { generation: number; deleting?: boolean }>(
    read: () => Promise<L | undefined>,
    planning: (loaded: L) => string,
    attempt: number,
  ): Promise<L | AttemptOutcome> {
    let loaded;
    try {
      loaded = await read();
    } catch (err) {
      return failedFrom(err, 'InvalidSpec');
    }
    if (!loaded) return { kind: 'gone' };
    if (loaded.deleting && patched(NO_SUBMIT_AFTER_CANCEL_PATCH)) {
      this.run.cancellation.record('ResourceDeleted');
      return { kind: 'cancelled' };
    }
    // A recheck of a configuration wait reported FAILED keeps FAILED on show until something changes.
    const quiet = this.run.report.holdingFailure && loaded.generation === this.workedOn;
    this.workedOn = loaded.generation;
    this.newest = Math.max(this.newest, loaded.generation);
    this.run.progress.generation = loaded.generation;
    this.run.progress.attempt = attempt;
    if (quiet) return loaded;
    const write = this.run.report.setStatus(
      {
        observedGeneration: this.workedOn,
        state: 'PENDING',
        workflowId: workflowInfo().workflowId,
        ...(this.run.options.workflowUrl ? { workflowUrl: this.run.options.workflowUrl } : {}),
        errors: null,
        completionTime: null,
      },
      'Unknown',
      'Planning',
      planning(loaded),
    );
    // With local activities the Planning write and the planning itself run side by side; the next
    // status write waits for it, so the two land in order.
    if (patched(LOCAL_K8S_PATCH)) this.run.report.runOn(write);
    else await write;
    return loaded;
  }

  /** The resource, read again just before success: a spec that changed since the attempt began restarts. */
  async stillCurrent(
    read: () => Promise<{ generation: number; deleting?: boolean } | undefined>,
  ): Promise<AttemptOutcome | undefined> {
    if (!patched(SPEC_RESTART_PATCH)) return undefined;
    const now = await read();
    if (!now) return { kind: 'gone' };
    if (now.deleting) {
      this.run.cancellation.record('ResourceDeleted');
      return { kind: 'cancelled' };
    }
    if (now.generation <= this.workedOn) return undefined;
    this.newest = Math.max(this.newest, now.generation);
    await this.run.report.emit({
      type: 'Normal',
      reason: 'SpecChanged',
      message: `The spec changed (generation ${now.generation}) while generation ${this.workedOn} was being run; starting again with the new spec`,
    });
    return { kind: 'restart' };
  }
}
