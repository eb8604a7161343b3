// The operation store and life cycle of one simulated Icarus node, as esop's Operation.run() behaves:
// operations live in memory (lost on restart), move PENDING -> RUNNING -> COMPLETED | FAILED, report
// progress 0..1 (forced to 1.0 when they end, FAILED included), and expire a while after they finish.
// DELETE only raises a flag: a rate-limited transfer then fails; anything else runs on. CANCELLED, which
// the API lists, is never reached (any error makes the operation FAILED).
import { randomUUID } from 'node:crypto';
import type { OperationState } from '../../src/icarus/types.js';

export interface OperationError {
  source: string | null;
  message: string;
}

export interface SimOperation {
  id: string;
  type: string;
  state: OperationState;
  progress: number;
  creationTime: string;
  startTime: string | null;
  completionTime: string | null;
  errors: OperationError[];
  /** The request's fields, unwrapped into the operation's JSON as Icarus does. */
  request: Record<string, unknown>;
  cancelRequested: boolean;
}

/** What an operation does once it runs. */
export interface Execution {
  /** The coordinator's checks when the operation starts: a message fails it. */
  precheck?(): string | undefined;
  /** Set for rate-limited transfers: a DELETE while running fails the operation with this message. */
  cancelMessage?: string;
  /** Work done at the end (files written, tables truncated ...). Throwing fails the operation. */
  finish(): Promise<void>;
}

/** The operation as Icarus serialises it: request fields unwrapped, absent values left out (NON_ABSENT). */
export function toJson(op: SimOperation): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: op.id,
    creationTime: op.creationTime,
    state: op.state,
    errors: op.errors,
    progress: op.progress,
    startTime: op.startTime,
    ...op.request,
    type: op.type,
    completionTime: op.completionTime,
  };
  return Object.fromEntries(Object.entries(json).filter(([, v]) => v !== null && v !== undefined));
}

export interface Timing {
  /** From RUNNING to done. */
  durationMs: number;
  /** PENDING before RUNNING. */
  pendingMs: number;
  /** Finished operations are forgotten after this (Icarus: --operations-expiration, 1 h). */
  expirationMs: number;
}

export interface FailurePlan {
  /** Fail when progress reaches this fraction (0..1). */
  atProgress: number;
  message: string;
  /** Only operations of this type (and restore phase); all when absent. */
  type?: string;
  phase?: string;
  /** How many operations fail this way; then the plan is used up. Infinity by default. */
  times?: number;
}

/** Operations that stop advancing at a progress until released: a test's way to catch one mid-way. */
export interface HoldPlan {
  atProgress: number;
  type?: string;
  phase?: string;
  /** Only a backup's topology upload (true), or only backups of data (false); both when absent. */
  topologyUpload?: boolean;
}

function appliesTo(
  plan: { type?: string; phase?: string; topologyUpload?: boolean },
  op: SimOperation,
): boolean {
  return (
    (!plan.type || plan.type === op.type) &&
    (!plan.phase || plan.phase === op.request.restorationPhase) &&
    (plan.topologyUpload === undefined || plan.topologyUpload === (op.request.uploadClusterTopology === true))
  );
}

export class OperationStore {
  private readonly ops = new Map<string, SimOperation>();
  private readonly timers = new Set<NodeJS.Timeout>();
  failures: FailurePlan[] = [];
  private holds: HoldPlan[] = [];
  private readonly held = new Set<() => void>();

  constructor(
    private readonly timing: Timing,
    private readonly source: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Newest first, as Icarus lists them. */
  list(filter: { type?: string; state?: string }): SimOperation[] {
    this.expire();
    return [...this.ops.values()]
      .filter((o) => (!filter.type || o.type === filter.type) && (!filter.state || o.state === filter.state))
      .sort((a, b) => b.creationTime.localeCompare(a.creationTime));
  }

  get(id: string): SimOperation | undefined {
    this.expire();
    return this.ops.get(id);
  }

  /** Accepts an operation; `invalid` makes it fail at once with that message (Icarus validates inside the operation). */
  submit(
    type: string,
    request: Record<string, unknown>,
    execution: Execution | { invalid: string },
  ): SimOperation {
    const op: SimOperation = {
      id: randomUUID(),
      type,
      state: 'PENDING',
      progress: 0,
      creationTime: this.now().toISOString(),
      startTime: null,
      completionTime: null,
      errors: [],
      request,
      cancelRequested: false,
    };
    this.ops.set(op.id, op);
    this.later(this.timing.pendingMs, () => {
      if (op.state !== 'PENDING') return;
      op.state = 'RUNNING';
      op.startTime = this.now().toISOString();
      if ('invalid' in execution) this.fail(op, execution.invalid);
      else this.run(op, execution);
    });
    return op;
  }

  /** DELETE: known operations (in any state) get the flag; false for an unknown id. */
  cancel(id: string): boolean {
    const op = this.get(id);
    if (!op) return false;
    op.cancelRequested = true;
    return true;
  }

  running(type: string): SimOperation[] {
    return [...this.ops.values()].filter((o) => o.type === type && o.state === 'RUNNING');
  }

  /** From now on, matching operations stay RUNNING at `atProgress` until `release()`. */
  hold(plan: HoldPlan): void {
    this.holds.push(plan);
  }

  /** Drops every hold; the operations held go on from where they stopped. */
  release(): void {
    this.holds = [];
    const resumes = [...this.held];
    this.held.clear();
    resumes.forEach((resume) => resume());
  }

  /** Operations waiting at a hold now. */
  heldCount(): number {
    return this.held.size;
  }

  /** Icarus restarted: every operation is gone, and nothing in flight finishes. */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held.clear();
    this.ops.clear();
  }

  private run(op: SimOperation, execution: Execution): void {
    const refused = execution.precheck?.();
    if (refused) {
      this.fail(op, refused);
      return;
    }
    const ticks = 10;
    const plan = this.failures.find((f) => appliesTo(f, op) && (f.times ?? Infinity) > 0);
    if (plan) plan.times = (plan.times ?? Infinity) - 1;
    const step = (i: number) => {
      if (op.state !== 'RUNNING') return;
      if (op.cancelRequested && execution.cancelMessage) {
        this.fail(op, execution.cancelMessage);
        return;
      }
      const progress = i / ticks;
      if (plan && progress >= plan.atProgress) {
        this.fail(op, plan.message);
        return;
      }
      if (i < ticks) {
        op.progress = progress;
        if (!op.cancelRequested && this.holds.some((h) => appliesTo(h, op) && progress >= h.atProgress)) {
          this.held.add(() => this.later(this.timing.durationMs / ticks, () => step(i + 1)));
          return;
        }
        this.later(this.timing.durationMs / ticks, () => step(i + 1));
        return;
      }
      // A synchronous throw must fail the operation too, never escape.
      Promise.resolve()
        .then(() => execution.finish())
        .then(
          () => {
            if (op.state !== 'RUNNING') return;
            op.progress = 1;
            this.end(op, 'COMPLETED');
          },
          (err: unknown) => this.fail(op, err instanceof Error ? err.message : String(err)),
        );
    };
    step(0);
  }

  private fail(op: SimOperation, message: string): void {
    op.errors.push({ source: this.source, message });
    op.progress = 1; // Icarus forces progress to 1.0 on FAILED
    this.end(op, 'FAILED');
  }

  private end(op: SimOperation, state: OperationState): void {
    op.state = state;
    op.completionTime = this.now().toISOString();
  }

  private expire(): void {
    const limit = this.now().getTime() - this.timing.expirationMs;
    for (const [id, op] of this.ops) {
      if (op.completionTime && Date.parse(op.completionTime) < limit) this.ops.delete(id);
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
