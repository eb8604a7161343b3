// The people of the storm: each planned resource is created, acted on (edited, deleted, retried, given a
// second restore) and followed to its end, as a person with kubectl and the `retry` signal would. What they
// did and saw is kept in a journal per resource, which the checks then hold against what Icarus ran.
// Kubernetes and Temporal may be down at any moment: every call is tried again, a bounded number of times.
//
// A resource's journal is in journal.ts, how a call is tried again in persist.ts, deleting and editing a
// backup in backup-actions.ts.
import type { Client } from '@temporalio/client';
import type { KubeConfig } from '@kubernetes/client-node';
import type { PodCluster } from '../cassandra-pods.js';
import { Backups, Restores, succeeded } from '../custom-resources.js';
import { deleteBackup, editBackup, LOCATION } from './backup-actions.js';
import { restartedSince, TRUNCATE_REASONS, type Journal, type Resource } from './journal.js';
import { classOf, type PlannedBackup, type PlannedResource, type PlannedRestore } from './load.js';
import { persist, sleep, statusOf } from './persist.js';
import type { Random } from './random.js';

export { LOCATION, MOVED_LOCATION } from './backup-actions.js';
export type { Journal, Resource } from './journal.js';

export const TABLE = 'shop.orders';
/** Rate-limited, so that a cancel really stops an upload in (simulated) Icarus. */
const BANDWIDTH = { value: 50, unit: 'MBPS' };
/**
 * A person retries a FAILED resource at most this often, unless the failure is a lost TRUNCATE with a
 * restart of the cluster's sidecars since the last answer (the message asks "sidecar restarted?"): the
 * storm may strike every TRUNCATE of one restore, and each such failure is explained, so the person goes on.
 */
export const MAX_RETRIES = 3;

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
      await deleteBackup(this.backups, this.ctx.namespace, this.ctx.deadline, j);
      return;
    }
    if (plan.action === 'edit') await editBackup(this.backups, this.ctx.namespace, this.ctx.deadline, j);
    await this.follow(j, this.ctx.random.fork(j.name));
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
