// List+watch of one custom resource kind, in all namespaces or in a configured list, with a local cache.
// The client's informer re-lists after 410 Gone and re-watches when a watch ends; on any other error it
// stops, so it is restarted here with a growing delay (reset once a watch connects).
import { makeInformer, type Informer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from '../logger.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
}

export interface WatchedResources<T extends KubernetesObject> {
  get(namespace: string, name: string): T | undefined;
  list(): T[];
  stop(): Promise<void>;
}

export interface WatchHandlers<T> {
  onChange: (obj: T) => void;
  onDelete: (obj: T) => void;
}

export async function watchResources<T extends KubernetesObject>(
  kc: KubeConfig,
  type: ResourceType,
  namespaces: string[],
  handlers: WatchHandlers<T>,
  logger: Logger,
): Promise<WatchedResources<T>> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const scopes: (string | undefined)[] = namespaces.length ? namespaces : [undefined];
  const informers = scopes.map((namespace) => {
    const path = namespace
      ? `/apis/${type.group}/${type.version}/namespaces/${namespace}/${type.plural}`
      : `/apis/${type.group}/${type.version}/${type.plural}`;
    const list = () =>
      (namespace
        ? api.listNamespacedCustomObject({ ...type, namespace })
        : api.listClusterCustomObject(type)) as Promise<{
        items: T[];
        metadata?: { resourceVersion?: string };
      }>;
    const informer = makeInformer<T>(kc, path, list);
    informer.on('add', (obj) => handlers.onChange(obj));
    informer.on('update', (obj) => handlers.onChange(obj));
    informer.on('delete', (obj) => handlers.onDelete(obj));
    return { namespace, informer, restart: restarter(informer, logger.child({ watch: path })) };
  });
  for (const { informer, restart } of informers) {
    informer.on('error', (err) => restart.onError(err));
    informer.on('connect', () => restart.onConnect());
    await informer.start();
  }
  return {
    get(namespace, name) {
      const entry = informers.find((i) => i.namespace === undefined || i.namespace === namespace);
      return entry?.informer.get(name, namespace);
    },
    list() {
      return informers.flatMap((i) => i.informer.list());
    },
    async stop() {
      for (const { informer, restart } of informers) {
        restart.stop();
        await informer.stop();
      }
    },
  };
}

function restarter(informer: Informer<KubernetesObject>, logger: Logger) {
  let delay = 1000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    onError(err: unknown) {
      if (stopped) return;
      logger.warn({ err: String(err), retryInMs: delay }, 'Watch failed; restarting it');
      clearTimeout(timer);
      timer = setTimeout(() => {
        informer.start().catch((e: unknown) => logger.warn({ err: String(e) }, 'Watch restart failed'));
      }, delay);
      delay = Math.min(delay * 2, 30_000);
    },
    onConnect() {
      delay = 1000;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
