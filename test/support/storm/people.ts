// The people of the storm: each planned resource is created, acted on (edited, deleted, retried, given a
// second restore) and followed to its end, as a person with kubectl and the `retry` signal would. What they
// did and saw is kept in a journal per resource, which the checks then hold against what Icarus ran.
// Kubernetes and Temporal may be down at any moment: every call is tried again, a bounded number of times.
import { PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import {
  resourceNames,
  type CassandraBackup,
  type CassandraRestore,
} from '../../../src/kube/api/resources.js';
import type { PodCluster } from '../cassandra-pods.js';
import { Backups, Restores, succeeded } from '../custom-resources.js';
import {
  classOf,
  type PlannedBackup,
  type PlannedResource,
  type PlannedRestore,
  type ResourceClass,
} from './load.js';
import type { Random } from './random.js';

export const TABLE = 'shop.orders';
export const LOCATION = 's3://storm';
export const MOVED_LOCATION = 's3://storm-moved';
/** Rate-limited, so that a cancel really stops an upload in (simulated) Icarus. */
const BANDWIDTH = { value: 50, unit: 'MBPS' };
/**
 * A person retries a FAILED resource at most this often, unless the failure is a lost TRUNCATE with a
 * restart of the cluster's sidecars since the last answer (the message asks "sidecar restarted?"): the
 * storm may strike every TRUNCATE of one restore, and each such failure is explained, so the person goes on.
 */
export const MAX_RETRIES = 3;

export type Resource = CassandraBackup | CassandraRestore;

/** Restores that fail with these after a restart of their sidecars ended as designed (checks.ts). */
export const TRUNCATE_REASONS = new Set(['TruncateLost', 'TruncateOutcomeUnknown']);

/** Whether a sidecar of the journal's cluster restarted after `from` (epoch ms). */
export function restartedSince(j: Journal, from: number, to = Date.now()): boolean {
  const [a, b] = [new Date(from).toISOString(), new Date(to).toISOString()];
  return j.cluster.cluster.nodes.some((n) => n.simulator.restarts.some((t) => t >= a && t <= b));
}

export interface Journal {
  name: string;
  kind: 'backup' | 'restore';
  class: ResourceClass;
  cluster: PodCluster;
  uid?: string;
  createdAt: number;
  /** Restores: the CassandraBackup restored and the rows each node had when it was taken. */
  source?: { backup: string; rows: unknown[] };
  edit?: { at: number; from: string; to: string; progress: number } | { missed: string };
  deletedAt?: number;
  failures: { at: number; reason: string; message: string }[];
  retries: { at: number; afterReason: string }[];
  /** Restores: the second restore a person started while this one waited for retry. */
  second?: string;
  /** Last thing seen: the resource, or 'gone' once deleted. */
  end?: Resource | 'gone';
  /** It reached an end (COMPLETED, FAILED with no retry left, CANCELLED, gone) before the deadline. */
  ended: boolean;
  /** Restores: each node's rows when COMPLETED was seen, and whether another restore of the cluster was busy then. */
  rowsAtEnd?: { rows: unknown[]; othersBusy: boolean };
  /** What the person could not do (a call that kept failing). */
  problems: string[];
}

export interface PeopleContext {
  kc: KubeConfig;
  namespace: string;
  temporal: Client;
  backupClusters: PodCluster[];
  restoreClusters: { cluster: PodCluster; source: string; rows: unknown[] }[];
  random: Random;
  /** People give up following at this time (epoch ms). */
  deadline: () => number;
  journals: Journal[];
  context: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries a call until it works, for up to `tries` seconds (a server may be restarting). */
async function persist<T>(what: string, call: () => Promise<T>, tries = 90): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await call();
    } catch (err) {
      last = err;
      if (statusOf(err) === 409 || statusOf(err) === 404 || statusOf(err) === 422) throw err;
      await sleep(1000);
    }
  }
  throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}`);
}

export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return e?.code ?? e?.statusCode ?? e?.response?.statusCode;
}

export class People {
  private readonly backups: Backups;
  private readonly restores: Restores;

  constructor(private readonly ctx: PeopleContext) {
    this.backups = new Backups(ctx.kc, ctx.namespace, ctx.context);
    this.restores = new Restores(ctx.kc, ctx.namespace, ctx.context);
  }

  run(plan: PlannedResource): Promise<void> {
    return plan.kind === 'backup' ? this.backup(plan) : this.restore(plan);
  }

  private journal(plan: PlannedResource, cluster: PodCluster, second = false): Journal {
    const j: Journal = {
      name: plan.name,
      kind: plan.kind,
      class: classOf(plan, second),
      cluster,
      createdAt: Date.now(),
      failures: [],
      retries: [],
      ended: false,
      problems: [],
    };
    this.ctx.journals.push(j);
    return j;
  }

  private api(kind: 'backup' | 'restore'): {
    get(name: string): Promise<Resource>;
    create(name: string, spec: Record<string, unknown>): Promise<Resource>;
  } {
    return kind === 'backup' ? this.backups : this.restores;
  }

  /** Creates the resource; a create whose answer was lost (API server killed) is found by reading it back. */
  private async create(j: Journal, spec: Record<string, unknown>): Promise<boolean> {
    const api = this.api(j.kind);
    try {
      const made = await persist(`create ${j.name}`, () => api.create(j.name, spec));
      j.uid = made.metadata.uid;
      j.createdAt = Date.now();
      return true;
    } catch (err) {
      if (statusOf(err) === 409) {
        const found = await persist(`read ${j.name}`, () => api.get(j.name)).catch(() => undefined);
        j.uid = found?.metadata.uid;
        return found !== undefined;
      }
      j.problems.push(`could not create it: ${err instanceof Error ? err.message : String(err)}`);
      j.ended = true;
      return false;
    }
  }

  private async backup(plan: PlannedBackup): Promise<void> {
    const cluster = this.ctx.backupClusters[plan.cluster] as PodCluster;
    const j = this.journal(plan, cluster);
    const spec = {
      cassandraCluster: cluster.cluster.opts.name,
      storageLocation: LOCATION,
      secretName: 'creds',
      ...(plan.rateLimited ? { bandwidth: BANDWIDTH } : {}),
    };
    if (!(await this.create(j, spec))) return;
    if (plan.action === 'delete') {
      await sleep(plan.deleteAfterMs);
      await this.delete(j);
      return;
    }
    if (plan.action === 'edit') await this.edit(j);
    await this.follow(j, this.ctx.random.fork(j.name));
  }

  private async delete(j: Journal): Promise<void> {
    const { custom } = this.backups;
    try {
      await persist(`delete ${j.name}`, () =>
        custom.deleteNamespacedCustomObject({
          ...resourceNames.CassandraBackup,
          namespace: this.ctx.namespace,
          name: j.name,
        }),
      );
    } catch (err) {
      if (statusOf(err) !== 404) j.problems.push(`could not delete it: ${String(err)}`);
    }
    j.deletedAt = Date.now();
    while (Date.now() < this.ctx.deadline()) {
      try {
        j.end = await this.backups.get(j.name);
      } catch (err) {
        if (statusOf(err) === 404) {
          j.end = 'gone';
          j.ended = true;
          return;
        }
      }
      await sleep(1000);
    }
  }

  /** Waits until the backup is about 30 % done, then points it at another storage location. */
  private async edit(j: Journal): Promise<void> {
    while (Date.now() < this.ctx.deadline()) {
      const b: CassandraBackup | undefined = await this.backups.get(j.name).catch(() => undefined);
      if (
        b &&
        (b.status?.state === 'COMPLETED' || b.status?.state === 'FAILED' || b.status?.state === 'CANCELLED')
      ) {
        j.edit = { missed: `it was ${b.status.state} before 30 %` };
        return;
      }
      const progress = b?.status?.progress ?? 0;
      if (b && b.status?.state === 'RUNNING' && progress >= 30) {
        try {
          await persist(`edit ${j.name}`, () =>
            this.backups.custom.patchNamespacedCustomObject(
              {
                ...resourceNames.CassandraBackup,
                namespace: this.ctx.namespace,
                name: j.name,
                body: { spec: { storageLocation: MOVED_LOCATION } },
              },
              setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
            ),
          );
          j.edit = { at: Date.now(), from: LOCATION, to: MOVED_LOCATION, progress };
        } catch (err) {
          j.edit = { missed: `the patch failed: ${String(err)}` };
        }
        return;
      }
      await sleep(250);
    }
    j.edit = { missed: 'never reached 30 % before the deadline' };
  }

  private async restore(plan: PlannedRestore, second = false): Promise<void> {
    const target = this.ctx.restoreClusters[plan.cluster];
    if (!target) throw new Error(`no restore cluster ${plan.cluster}`);
    const j = this.journal(plan, target.cluster, second);
    j.source = { backup: target.source, rows: target.rows };
    const spec = { cassandraCluster: target.cluster.cluster.opts.name, cassandraBackup: target.source };
    if (!(await this.create(j, spec))) return;
    await this.follow(j, this.ctx.random.fork(j.name), second ? undefined : plan);
  }

  /** Follows a resource to its end; a FAILED one gets the person's answer (a retry, maybe a second restore first). */
  private async follow(j: Journal, random: Random, plan?: PlannedRestore): Promise<void> {
    const api = this.api(j.kind);
    let answered: string | undefined;
    while (Date.now() < this.ctx.deadline()) {
      let r: Resource;
      try {
        r = await api.get(j.name);
      } catch (err) {
        if (statusOf(err) === 404) {
          j.end = 'gone';
          j.ended = true;
          return;
        }
        await sleep(1000);
        continue;
      }
      j.end = r;
      const state = r.status?.state;
      const finished = succeeded(r) === 'True' || succeeded(r) === 'False';
      if (finished && state === 'COMPLETED') {
        if (j.kind === 'restore') j.rowsAtEnd = this.rowsOf(j);
        j.ended = true;
        return;
      }
      if (finished && state === 'CANCELLED') {
        j.ended = true;
        return;
      }
      if (finished && state === 'FAILED' && r.status?.completionTime !== answered) {
        const condition = r.status?.conditions?.find((c) => c.type === 'Succeeded');
        j.failures.push({
          at: Date.now(),
          reason: condition?.reason ?? '?',
          message: condition?.message ?? '',
        });
        const explained =
          j.kind === 'restore' &&
          TRUNCATE_REASONS.has(condition?.reason ?? '') &&
          restartedSince(j, j.retries.at(-1)?.at ?? j.createdAt);
        if (j.retries.length >= MAX_RETRIES && !explained) {
          j.ended = true;
          return;
        }
        // A person reads why, then answers.
        await sleep(random.int(1000, 4000));
        if (plan?.onFailure === 'second-restore' && !j.second) await this.secondRestore(j, plan);
        await this.retry(j, r, condition?.reason ?? '?');
        answered = r.status?.completionTime;
      }
      await sleep(1000);
    }
  }

  /** A second restore of the same cluster and backup; the first is retried once it has ended or waits. */
  private async secondRestore(first: Journal, plan: PlannedRestore): Promise<void> {
    const name = `${first.name}-again`;
    first.second = name;
    const done = this.restore({ ...plan, name, onFailure: 'retry' }, true);
    const journal = () => this.ctx.journals.find((x) => x.name === name);
    while (Date.now() < this.ctx.deadline()) {
      const j = journal();
      if (!j || j.ended) break;
      const r = j.end;
      const reason =
        r && r !== 'gone' ? r.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason : undefined;
      if (reason === 'WaitingForRestore') break;
      await sleep(500);
    }
    void done.catch(() => undefined);
    this.pending.push(done);
  }

  /** Second restores run on beside the person who started them; the storm waits for them too. */
  readonly pending: Promise<void>[] = [];

  private async retry(j: Journal, r: Resource, afterReason: string): Promise<void> {
    const id = r.status?.workflowId;
    if (!id) {
      j.problems.push('FAILED without status.workflowId: no way to send retry');
      return;
    }
    try {
      await persist(`retry ${j.name}`, () => this.ctx.temporal.workflow.getHandle(id).signal('retry'));
      j.retries.push({ at: Date.now(), afterReason });
    } catch (err) {
      j.problems.push(`could not send retry: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private rowsOf(j: Journal): { rows: unknown[]; othersBusy: boolean } {
    const othersBusy = this.ctx.journals.some(
      (o) =>
        o !== j &&
        o.kind === 'restore' &&
        o.cluster === j.cluster &&
        !o.ended &&
        o.end !== undefined &&
        o.end !== 'gone' &&
        o.end.status?.state === 'RUNNING',
    );
    return { rows: j.cluster.cluster.nodes.map((n) => n.data.get(TABLE)), othersBusy };
  }
}
