// Fake activities for the workflow tests (test/unit/workflows): one CassandraBackup on a cluster of N
// nodes, kept in memory. Each activity is a plain function typed as the real one; it records what the
// workflow asked (status writes, Events, submissions, watches, cancels) and answers as a test scripts it.
// Tests wait on what the workflow did (`until`), never on time.
import { EventEmitter } from 'node:events';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities/index.js';
import { toFailure } from '../../activities/failures.js';
import { cancelOwnRun } from '../../activities/own-run.js';
import { backupTemplate } from '../../src/icarus/requests.js';
import { cassandraBackupSpecSchema } from '../../src/kube/api/generated.js';
import type {
  BackupPlan,
  LoadedBackup,
  NodeOutcome,
  WatchInput,
  WatchResult,
} from '../../src/contract/activity-io.js';
import type { NodeWork, ResourceEvent, RestorePhaseName, StatusChange } from '../../src/contract/status.js';
import type { ResourceKey } from '../../src/contract/ids.js';
import type { RunOptions } from '../../src/contract/runs.js';
import type { backupWorkflow } from '../../workflows/backup.js';

type SubmitBackupInput = Parameters<Activities['submitBackup']>[0];
type CancelInput = Parameters<Activities['cancelOperations']>[0];

export interface Submission {
  pod: string;
  operationId: string;
  /** The topology upload that follows a successful backup of every node. */
  topology: boolean;
  /** What this attempt's plan called the backup (a restore: the tag it restores). */
  tag: string;
  /** A restore's phase. */
  phase?: RestorePhaseName;
}

export const backupSpec = cassandraBackupSpecSchema.parse({
  cassandraCluster: 'c',
  storageLocation: 's3://bucket',
  secretName: 'creds',
});

export class FakeBackupActivities {
  /** The resource as the API server has it. */
  generation = 1;
  deleting = false;
  gone = false;

  readonly statuses: StatusChange[] = [];
  readonly events: ResourceEvent[] = [];
  readonly submissions: Submission[] = [];
  readonly cancels: CancelInput['operations'][] = [];
  /** How many times the run asked Temporal to cancel it (closing as Canceled after a cancel). */
  ownCancels = 0;
  /** The `active` list of every watch, in order. */
  readonly watches: string[][] = [];
  plans = 0;
  loads = 0;
  /** Operations submitted and not yet ended by a watch or a cancel: what Icarus would be running. */
  readonly running = new Set<string>();
  /** The most operations that ran at once. */
  maxRunning = 0;
  /** Submissions that have begun and not yet answered. */
  submitting = 0;
  /** Watches holding now (see watchHolds). */
  holding = 0;

  /** Planning: a plan by default; a test may throw (e.g. `toFailure(new PlanError(...))`). */
  plan: (attempt: number) => BackupPlan = () => this.defaultPlan();
  /** How each watched operation ends. */
  outcome: (s: Submission) => NodeOutcome = () => 'COMPLETED';
  /** What Icarus says of an operation that did not complete (the node's lastError), when a test says. */
  failureMessage: ((s: Submission) => string | undefined) | undefined;
  /** Before a submission answers (a test may hold it here, or throw). */
  beforeSubmit: (s: Omit<Submission, 'operationId'>) => Promise<void> | void = () => undefined;
  /** When true (or true of the watched operations), a watch ends nothing: it heartbeats until cancelled. */
  watchHolds: boolean | ((watched: Submission[]) => boolean) = false;

  private readonly changes = new EventEmitter();
  private ops = 0;

  constructor(readonly nodeCount = 3) {
    this.changes.setMaxListeners(100);
  }

  defaultPlan(): BackupPlan {
    const request = { resolvedTag: `tag-schema-1-${this.generation}`, schemaVersion: 'schema-1' };
    const dataDirs = ['/var/lib/cassandra/data'];
    return {
      clusterName: 'c',
      ...request,
      icarusGeneration: 3,
      dataDirs,
      nodes: Array.from({ length: this.nodeCount }, (_, i) => node(`c-dc1-rack1-${i}`)),
      request: backupTemplate({ spec: backupSpec, ...request, dataDirs, credentials: { generation: 3 } }),
    };
  }

  /** The states the workflow wrote, in order. */
  states(): string[] {
    return this.statuses.flatMap((s) => (typeof s.fields.state === 'string' ? [s.fields.state] : []));
  }

  /** The last Succeeded condition the workflow wrote. */
  condition(): { status: string; reason: string; message: string } | undefined {
    return this.statuses.at(-1)?.conditions?.find((c) => c.type === 'Succeeded');
  }

  eventReasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  /** Resolves once `check` returns a value, checked after every activity call; rejects after `ms`. */
  until<T>(what: string, check: () => T | undefined | false, ms = 60_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const test = () => {
        const value = check();
        if (value === undefined || value === false) return false;
        clearTimeout(timer);
        this.changes.off('change', test);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.changes.off('change', test);
        reject(new Error(`the workflow never got to: ${what} (states ${this.states().join(', ')})`));
      }, ms);
      if (!test()) this.changes.on('change', test);
    });
  }

  activities(): Partial<Activities> {
    return {
      loadBackup: () => this.answer(() => this.load()),
      planBackup: () => this.answer(() => this.plan(++this.plans)),
      submitBackup: (input) => this.submit(input),
      watchOperations: (input) => this.watch(input),
      cancelOperations: (input) =>
        this.answer(() => {
          this.cancels.push(input.operations);
          for (const o of input.operations) this.running.delete(o.operationId);
          return { outcomes: Object.fromEntries(input.operations.map((o) => [o.pod, 'CANCELLED'])) };
        }),
      cancelOwnRun: async () => {
        this.ownCancels += 1;
        await cancelOwnRun();
      },
      writeStatus: (input) =>
        this.answer(() => {
          this.statuses.push(input.change);
          return true;
        }),
      publishEvents: (input) =>
        this.answer(() => {
          this.events.push(...input.events);
        }),
    };
  }

  private load(): LoadedBackup | undefined {
    this.loads += 1;
    if (this.gone) return undefined;
    return { generation: this.generation, spec: backupSpec, ...(this.deleting ? { deleting: true } : {}) };
  }

  private submit(input: SubmitBackupInput) {
    return this.submitOp({
      pod: input.node.pod,
      topology: input.uploadClusterTopology === true,
      tag: 'request' in input ? input.request.snapshotTag : input.plan.resolvedTag,
    });
  }

  /** A submission of either kind: held or refused as the test says, then a new operation that runs. */
  protected async submitOp(pending: Omit<Submission, 'operationId'>) {
    this.note(() => (this.submitting += 1));
    try {
      await this.beforeSubmit(pending);
    } catch (err) {
      throw toFailure(err);
    } finally {
      this.submitting -= 1;
    }
    return this.answer(() => {
      const kind = pending.topology ? '-topology' : pending.phase ? `-${pending.phase}` : '';
      const s = { ...pending, operationId: `${pending.pod}${kind}-op${++this.ops}` };
      this.submissions.push(s);
      this.running.add(s.operationId);
      this.maxRunning = Math.max(this.maxRunning, this.running.size);
      return { operationId: s.operationId, state: 'RUNNING', adopted: false };
    });
  }

  private async watch(input: WatchInput): Promise<WatchResult> {
    this.note(() => this.watches.push([...input.active]));
    const active = input.nodes.filter((n) => input.active.includes(n.pod));
    const watched = this.submissions.filter((x) => active.some((n) => n.operationId === x.operationId));
    const holds = typeof this.watchHolds === 'function' ? this.watchHolds(watched) : this.watchHolds;
    if (holds) {
      this.note(() => (this.holding += 1));
      try {
        await heartbeatUntilCancelled();
      } finally {
        this.holding -= 1;
      }
    }
    // 'any': the first active operation ends; 'all': every one.
    const ending = input.returnWhen === 'any' ? active.slice(0, 1) : active;
    const ended = ending.map((n) => {
      const s = this.submissions.find((x) => x.operationId === n.operationId);
      if (!s) throw new Error(`watched ${n.pod} with operation ${n.operationId}, which was never submitted`);
      this.running.delete(s.operationId);
      const outcome = this.outcome(s);
      const said = outcome === 'COMPLETED' ? undefined : this.failureMessage?.(s);
      return { pod: n.pod, outcome, message: said ?? `${outcome} (fake)`, said };
    });
    return this.answer(() => ({
      nodes: input.nodes.map((n) => {
        const end = ended.find((e) => e.pod === n.pod);
        return end
          ? {
              ...n,
              state: end.outcome,
              progress: end.outcome === 'COMPLETED' ? 100 : n.progress,
              ...(end.said ? { lastError: end.said } : {}),
            }
          : n;
      }),
      ended: ended.map(({ said: _said, ...end }) => end),
      timedOut: false,
    }));
  }

  /** An activity's answer: what `body` returns, or its error as the real activities convert it. */
  protected answer<T>(body: () => T): Promise<T> {
    return new Promise<T>((resolve) => resolve(this.note(body))).catch((err: unknown) => {
      throw toFailure(err);
    });
  }

  /** Runs `body`, then wakes whoever waits in `until`. */
  protected note<T>(body: () => T): T {
    try {
      return body();
    } finally {
      this.changes.emit('change');
    }
  }
}

function node(pod: string): NodeWork {
  return {
    pod,
    dc: 'dc1',
    rack: 'rack1',
    hostId: `host-${pod}`,
    address: `${pod}:4567`,
    icarusUrl: `http://${pod}:4567`,
  };
}

/**
 * What a long activity does while it runs: heartbeat. Returns never; rejects with the cancellation once
 * the workflow cancels it (delivered with the next heartbeat). The limit only ends a hung test.
 */
export async function heartbeatUntilCancelled(limitMs = 60_000): Promise<never> {
  const ctx = Context.current();
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    ctx.heartbeat();
    await ctx.sleep(20);
  }
  throw new Error(`${ctx.info.activityType} was never cancelled`);
}

/** Operator settings for a test run: the production defaults' shape, the values a test needs. */
export function runOptions(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    maxParallelNodes: 2,
    pollIntervalMs: 1_000,
    unreachableAfterMs: 60_000,
    retryWindowMs: 3_600_000,
    configurationWaitMs: 120_000,
    cancelGraceMs: 30_000,
    heartbeatTimeoutMs: 60_000,
    ...overrides,
  };
}

export const backupResource = { namespace: 'ns', name: 'backup', uid: 'uid-1' };

/** Starts a backupWorkflow for `resource` on `taskQueue` (also its workflow id unless one is given). */
export function startBackup(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  options: RunOptions = runOptions(),
  at: { workflowId?: string; resource?: ResourceKey } = {},
): Promise<WorkflowHandle<typeof backupWorkflow>> {
  return env.client.workflow.start<typeof backupWorkflow>('backupWorkflow', {
    taskQueue,
    workflowId: at.workflowId ?? taskQueue,
    args: [{ resource: at.resource ?? backupResource, generation: 1, options }],
  });
}
