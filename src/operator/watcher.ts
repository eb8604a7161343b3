// The watcher: per kind (CassandraBackup, CassandraRestore, CassandraBackupSchedule), one informer per
// watched scope feeding a per-key queue that reconciles the resources, plus a periodic resync of every
// cached resource (level-triggered: a missed event is caught up).
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { KubeClients } from '../kube/client.js';
import { resourceNames } from '../kube/api/resources.js';
import type { Logger } from '../logger.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CassandraBackupSchedule } from '../kube/api/resources.js';
import type { ResourceKind } from '../../workflows/definitions.js';
import { watchResources, type WatchedResources } from './informer.js';
import { Reconciler, type WatchedResource } from './reconciler.js';
import { ScheduleReconciler } from './schedule-reconciler.js';
import { WorkQueue, type ReconcileResult } from './work-queue.js';

export interface Watcher {
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
): Promise<Watcher> {
  const watchers = await Promise.all([
    ...KINDS.map((kind) =>
      watchKind<WatchedResource>(kind, config, kube, logger, (get, log) => {
        return new Reconciler({ kind, config, temporal, custom: kube.custom, logger: log, get });
      }),
    ),
    watchKind<CassandraBackupSchedule>('CassandraBackupSchedule', config, kube, logger, (get, log) => {
      return new ScheduleReconciler({
        config,
        temporal,
        custom: kube.custom,
        core: kube.core,
        logger: log,
        get,
      });
    }),
  ]);
  return {
    async stop() {
      await Promise.all(watchers.map((w) => w.stop()));
    },
  };
}

async function watchKind<T extends KubernetesObject>(
  kind: keyof typeof resourceNames,
  config: Config,
  kube: KubeClients,
  logger: Logger,
  makeReconciler: (get: (namespace: string, name: string) => T | undefined, log: Logger) => KindReconciler<T>,
): Promise<Watcher> {
  const log = logger.child({ component: 'watcher', kind });
  const watched: { cache?: WatchedResources<T> } = {};
  const reconciler = makeReconciler((namespace, name) => watched.cache?.get(namespace, name), log);
  const queue = new WorkQueue((key) => reconciler.reconcile(key), {
    concurrency: 8,
    onError: (key, err, retryInMs) =>
      log.warn({ key, err: String(err), retryInMs }, 'Reconcile failed; retrying'),
  });
  const cache = await watchResources<T>(
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
  watched.cache = cache;
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
    async stop() {
      clearInterval(resync);
      await cache.stop();
      await queue.stop();
    },
  };
}
