// The world of the schedule end-to-end files (test/e2e/schedule-*.test.ts): a namespace with an S3
// Secret, the operator process (watcher + worker) on a task queue of its own against the real
// kube-apiserver and Temporal dev server (its Temporal Schedules), clusters of simulated Icarus nodes
// behind real Pods, and what the tests do to schedules: create one and wait until it is Ready, patch its
// spec, run it now through Temporal, wait for its backups and for a run's record.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { clusterId } from '../../../src/icarus/requests.js';
import {
  resourceNames,
  type CassandraBackup,
  type CassandraBackupSchedule,
} from '../../../src/kube/api/resources.js';
import { OVERLAP } from '../../../src/temporal/schedule.js';
import type { PodCluster } from '../cassandra-pods.js';
import { uniqueName } from '../stack-env.js';
import { eventually } from '../wait.js';
import { OperatorWorld } from './world.js';

export const BUCKET = 'sched-bucket';

export class ScheduleWorld extends OperatorWorld {
  private readonly taskQueue = uniqueName('e2e-schedule');

  async start(): Promise<this> {
    await this.open('e2e-schedule', { s3: 'creds' });
    const operator = this.runOperator({
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      ICARUS_POLL_INTERVAL_MS: '200',
      STATUS_WRITES_PER_SECOND: '4',
      ICARUS_GENERATION: '3',
      RESYNC_SECONDS: '5',
      RETRY_WINDOW_SECONDS: '600',
    });
    await operator.waitForLog(/Watching CassandraBackupSchedules/);
    await operator.waitForLog(/Worker running/);
    return this;
  }

  /** A 3-node cluster of simulated nodes behind Pods, writing to BUCKET. */
  cluster = async (durationMs = 800): Promise<PodCluster> =>
    this.podCluster({
      name: uniqueName('ring'),
      datacenters: { dc1: 3 },
      timing: { durationMs, pendingMs: 50 },
      buckets: [`s3://${BUCKET}`],
    });

  /** Creates a schedule and waits until it is Ready with its Temporal Schedule. */
  createReady = async (name: string, body: Record<string, unknown>): Promise<CassandraBackupSchedule> => {
    await this.schedules.create(name, body);
    return this.schedules.waitFor(
      name,
      'Ready',
      (s) => readyCondition(s)?.status === 'True' && !!s.status?.scheduleId,
    );
  };

  patchSpec = async (name: string, specPatch: Record<string, unknown>): Promise<void> => {
    await this.custom.patchNamespacedCustomObject(
      {
        ...resourceNames.CassandraBackupSchedule,
        namespace: this.namespace,
        name,
        body: { spec: specPatch },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };

  /** The schedule's Temporal Schedule. */
  handleOf = (s: CassandraBackupSchedule) =>
    this.temporal.client.schedule.getHandle(s.status?.scheduleId ?? '');

  /** Runs the schedule now, with its own concurrency policy (the SDK's default would be ALLOW_ALL). */
  trigger = async (s: CassandraBackupSchedule): Promise<void> => {
    await this.handleOf(s).trigger(OVERLAP[s.spec.concurrencyPolicy]);
  };

  /** The schedule's backups, oldest first, once there are `count`. */
  backupCount = async (schedule: string, count: number): Promise<CassandraBackup[]> =>
    eventually(`${count} backup(s) of ${schedule}`, async () => {
      const list = await this.backups.ofSchedule(schedule);
      return list.length === count ? list : undefined;
    });

  /** The schedule once its run of `backup` is recorded with `result` and none is active. */
  ran = async (schedule: string, backup: string, result = 'Succeeded'): Promise<CassandraBackupSchedule> =>
    this.schedules.waitFor(
      schedule,
      `run of ${backup} recorded as ${result}`,
      (s) =>
        s.status?.lastBackup === backup &&
        s.status.lastResult === result &&
        (s.status.active ?? []).length === 0,
    );
}

/** A schedule's spec for the cluster: 03:00 in Paris, a backup template writing to BUCKET. */
export function spec(
  c: PodCluster,
  extra: Record<string, unknown> = {},
  template: Record<string, unknown> = {},
) {
  return {
    schedules: ['0 3 * * *'],
    timeZone: 'Europe/Paris',
    backupTemplate: {
      metadata: { labels: { team: 'storage' } },
      spec: {
        cassandraCluster: c.cluster.opts.name,
        storageLocation: `s3://${BUCKET}`,
        secretName: 'creds',
        ...template,
      },
    },
    ...extra,
  };
}

export const readyCondition = (s: CassandraBackupSchedule) =>
  s.status?.conditions?.find((c) => c.type === 'Ready');

/** The manifests in storage, per node of the cluster: the backups that are really there. */
export function manifestsInStorage(c: PodCluster, bucket = BUCKET): string[][] {
  return c.cluster.nodes.map((n) => {
    const dir = join(
      c.storageRoot,
      's3',
      bucket,
      clusterId(c.cluster.opts.name),
      n.identity.dc,
      n.identity.hostId,
      'manifests',
    );
    return existsSync(dir)
      ? readdirSync(dir)
          .map((f) => f.replace(/\.json$/, ''))
          .sort()
      : [];
  });
}

/** The latest 03:00 in Paris at least two hours ago. */
export function lastParis3am(): Date {
  const hourIn = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  let t = Math.floor((Date.now() - 2 * 3600_000) / 3600_000) * 3600_000;
  while (hourIn.format(new Date(t)) !== '03') t -= 3600_000;
  return new Date(t);
}

/** Waits until the next whole second: backups are named after their run's time, to the second. */
export async function nextSecond(): Promise<void> {
  await sleep(1100 - (Date.now() % 1000));
}
