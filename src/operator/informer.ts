// List+watch of one custom resource kind, in all namespaces or in a configured list, with a local cache.
// The client's informer re-lists after 410 Gone and re-watches when a watch ends; on any other error it
// stops, so it is restarted here with a growing delay (reset once a watch connects).
import { makeInformer, type Informer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from '../logger.js';
import { errorCode } from '../contract/error-code.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
}

export interface WatchedResources<T extends KubernetesObject> {
  /** Lists and starts watching (the handlers see the listed objects; get() already answers for them). */
  start(): Promise<void>;
  get(namespace: string, name: string): T | undefined;
  list(): T[];
  /** Why the cache is not ready yet: one line per scope that has not listed once (empty when ready). */
  problems(): string[];
  stop(): Promise<void>;
}

export interface WatchHandlers<T> {
  onChange: (obj: T) => void;
  onDelete: (obj: T) => void;
}

export function watchResources<T extends KubernetesObject>(
  kc: KubeConfig,
  type: ResourceType,
  namespaces: string[],
  handlers: WatchHandlers<T>,
  logger: Logger,
): WatchedResources<T> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const scopes: (string | undefined)[] = namespaces.length ? namespaces : [undefined];
  const informers = scopes.map((namespace) => {
    const path = namespace
      ? `/apis/${type.group}/${type.version}/namespaces/${namespace}/${type.plural}`
      : `/apis/${type.group}/${type.version}/${type.plural}`;
    const health: { synced: boolean; lastError?: string } = { synced: false };
    const list = () =>
      (
        (namespace
          ? api.listNamespacedCustomObject({ ...type, namespace })
          : api.listClusterCustomObject(type)) as Promise<{
          items: T[];
          metadata?: { resourceVersion?: string };
        }>
      ).then((answer) => {
        health.synced = true;
        return answer;
      });
    const informer = makeInformer<T>(kc, path, list);
    informer.on('add', (obj) => handlers.onChange(obj));
    informer.on('update', (obj) => handlers.onChange(obj));
    informer.on('delete', (obj) => handlers.onDelete(obj));
    return { namespace, path, health, informer, restart: restarter(informer, logger.child({ watch: path })) };
  });
  for (const { informer, restart, health } of informers) {
    informer.on('error', (err) => {
      health.lastError = errorLine(err);
      restart.onError(err);
    });
    informer.on('connect', () => restart.onConnect());
  }
  return {
    async start() {
      for (const { informer } of informers) await informer.start();
    },
    get(namespace, name) {
      const entry = informers.find((i) => i.namespace === undefined || i.namespace === namespace);
      return entry?.informer.get(name, namespace);
    },
    list() {
      return informers.flatMap((i) => i.informer.list());
    },
    problems() {
      return informers
        .filter((i) => !i.health.synced)
        .map((i) => `${i.path} not listed yet${i.health.lastError ? `: ${i.health.lastError}` : ''}`);
    },
    async stop() {
      for (const { informer, restart } of informers) {
        restart.stop();
        await informer.stop();
      }
    },
  };
}

/** The API server's own words when it answered (e.g. 404 for a CRD that is not installed). */
function errorLine(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  const code = errorCode(err);
  const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
  const reason = /"message":"([^"]*)"/.exec(body)?.[1];
  return code ? `HTTP ${code}${reason ? ` ${reason}` : ''}` : String(e.message ?? err);
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
