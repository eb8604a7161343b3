// The watcher: per kind (CassandraBackup, CassandraRestore, CassandraBackupSchedule, CassandraBackupSync), one informer per
// watched scope feeding a per-key queue that reconciles the resources, plus a periodic resync of every
// cached resource (level-triggered: a missed event is caught up).
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { KubeClients } from '../kube/client.js';
import type { StatusWriter } from '../kube/status-writer.js';
import { resourceNames } from '../kube/api/resources.js';
import type { Logger } from '../logger.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CassandraBackupSchedule, CassandraBackupSync } from '../kube/api/resources.js';
import type { ResourceKind } from '../contract/ids.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import { watchResources, type WatchedResources } from './informer.js';
import { Reconciler, type WatchedResource } from './reconciler.js';
import { ScheduleReconciler } from './schedule-reconciler.js';
import { SyncReconciler } from './sync-reconciler.js';
import { WorkQueue, type ReconcileResult } from './work-queue.js';

export interface Watcher {
  /** Why the watcher is not ready: a line per kind whose resources have not been listed yet. */
  problems(): string[];
  stop(): Promise<void>;
}

const KINDS: ResourceKind[] = ['CassandraBackup', 'CassandraRestore'];

/** What the watcher needs of a kind's reconciler. */
interface KindReconciler<T> {
  reconcile(key: string): Promise<ReconcileResult>;
  /** The resource is gone from the API (deleted without our finalizer). */
  forget(obj: T): Promise<void>;
}

const keyOf = (obj: KubernetesObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

export async function startWatcher(
  config: Config,
  kube: KubeClients,
  temporal: Client,
  logger: Logger,
  metrics: OperatorMetrics,
  statusWriter: StatusWriter,
): Promise<Watcher> {
  const context = { config, kube, logger, metrics };
  const shared = { config, temporal, custom: kube.custom, core: kube.core };
  const watchers = await Promise.all([
    ...KINDS.map((kind) =>
      watchKind<WatchedResource>(
        kind,
        context,
        (get, log) => new Reconciler({ ...shared, kind, logger: log, get }),
        (list) => metrics.runsOf(kind, list),
      ),
    ),
    watchKind<CassandraBackupSchedule>(
      'CassandraBackupSchedule',
      context,
      (get, log) => new ScheduleReconciler({ ...shared, statusWriter, logger: log, get }),
    ),
    watchKind<CassandraBackupSync>(
      'CassandraBackupSync',
      context,
      (get, log) => new SyncReconciler({ ...shared, logger: log, get }),
    ),
  ]);
  return {
    problems: () => watchers.flatMap((w) => w.problems()),
    async stop() {
      await Promise.all(watchers.map((w) => w.stop()));
    },
  };
}

/** A resource's state for the metrics: status.state, or a schedule's Ready reason. */
function stateOf(obj: KubernetesObject): string {
  const status = (obj as { status?: { state?: string; conditions?: { type: string; reason?: string }[] } })
    .status;
  return status?.state ?? status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'New';
}

async function watchKind<T extends KubernetesObject>(
  kind: keyof typeof resourceNames,
  {
    config,
    kube,
    logger,
    metrics,
  }: { config: Config; kube: KubeClients; logger: Logger; metrics: OperatorMetrics },
  makeReconciler: (get: (namespace: string, name: string) => T | undefined, log: Logger) => KindReconciler<T>,
  /** Hands the cache's listing on once it has listed (the per-cluster metrics read it at each scrape). */
  listed?: (list: () => T[]) => void,
): Promise<Watcher> {
  const log = logger.child({ component: 'watcher', kind });
  const watched: { cache?: WatchedResources<T> } = {};
  const reconciler = makeReconciler((namespace, name) => watched.cache?.get(namespace, name), log);
  const reconcile = async (key: string) => {
    try {
      const result = await reconciler.reconcile(key);
      metrics.reconciled(kind, 'ok');
      return result;
    } catch (err) {
      metrics.reconciled(kind, 'error');
      throw err;
    }
  };
  const queue = new WorkQueue(reconcile, {
    concurrency: config.RECONCILE_CONCURRENCY,
    onError: (key, err, retryInMs) =>
      log.warn({ key, err: String(err), retryInMs }, 'Reconcile failed; retrying'),
  });
  const cache = watchResources<T>(
    kube.kc,
    resourceNames[kind],
    config.WATCH_NAMESPACES,
    {
      onChange: (obj) => queue.add(keyOf(obj)),
      onDelete: (obj) => {
        reconciler
          .forget(obj)
          .catch((err: unknown) =>
            log.warn({ key: keyOf(obj), err: String(err) }, 'Cancel after deletion failed'),
          );
      },
    },
    log,
  );
  // The cache is known before its first list: the reconciles that list triggers read from it.
  watched.cache = cache;
  await cache.start();
  metrics.countResources(() => {
    const counts = new Map<string, number>();
    for (const obj of cache.list()) counts.set(stateOf(obj), (counts.get(stateOf(obj)) ?? 0) + 1);
    return [...counts].map(([state, count]) => ({ kind, state, count }));
  });
  listed?.(() => cache.list());
  const resync = setInterval(
    () => cache.list().forEach((obj) => queue.add(keyOf(obj))),
    config.RESYNC_SECONDS * 1000,
  );
  resync.unref();
  log.info(
    { namespaces: config.WATCH_NAMESPACES.length ? config.WATCH_NAMESPACES : 'all' },
    `Watching ${kind}s`,
  );
  return {
    problems: () => cache.problems().map((p) => `${kind}: ${p}`),
    async stop() {
      clearInterval(resync);
      await cache.stop();
      await queue.stop();
    },
  };
}
