// CassandraBackups, CassandraRestores and CassandraBackupSchedules as an end-to-end test handles them: create, read, wait for a
// state, read Events, and count what the simulated Icarus nodes received.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  resourceNames,
  type CassandraBackup,
  type CassandraBackupSchedule,
  type CassandraBackupSync,
  type CassandraRestore,
  type Condition,
} from '../../src/kube/api/resources.js';
import { SCHEDULE_LABEL } from '../../src/schedule/backup-name.js';
import { errorCode } from '../../src/contract/error-code.js';
import type { PodCluster } from './cassandra-pods.js';
import { eventually } from './wait.js';

interface Kinds {
  CassandraBackup: CassandraBackup;
  CassandraRestore: CassandraRestore;
  CassandraBackupSchedule: CassandraBackupSchedule;
  CassandraBackupSync: CassandraBackupSync;
}

export class CustomResources<K extends keyof Kinds> {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;

  constructor(
    readonly kind: K,
    kc: KubeConfig,
    readonly namespace: string,
    /** Shown when a wait times out (the operator's last log lines). */
    private readonly context: () => string = () => '',
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  private get names() {
    return resourceNames[this.kind];
  }

  async get(name: string): Promise<Kinds[K]> {
    return (await this.custom.getNamespacedCustomObject({
      ...this.names,
      namespace: this.namespace,
      name,
    })) as Kinds[K];
  }

  async create(name: string, spec: Record<string, unknown>): Promise<Kinds[K]> {
    const { group, version } = this.names;
    return (await this.custom.createNamespacedCustomObject({
      ...this.names,
      namespace: this.namespace,
      body: { apiVersion: `${group}/${version}`, kind: this.kind, metadata: { name }, spec },
    })) as Kinds[K];
  }

  /** Deletes the resource (what follows is the operator's: finalizers, a backup's data). */
  async delete(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...this.names, namespace: this.namespace, name });
  }

  /** Waits until the resource is gone (the API server answers 404). */
  async gone(name: string): Promise<void> {
    await eventually(`${name} to be gone`, async () => {
      try {
        await this.get(name);
        return undefined;
      } catch (err) {
        return errorCode(err) === 404 ? true : undefined;
      }
    });
  }

  async waitFor(name: string, what: string, check: (b: Kinds[K]) => boolean): Promise<Kinds[K]> {
    let last: Kinds[K] | undefined;
    return eventually(
      `${name}: ${what}`,
      async () => {
        last = await this.get(name);
        return check(last) ? last : undefined;
      },
      { describe: () => `status: ${JSON.stringify(last?.status, null, 1)}\n${this.context()}` },
    );
  }

  /** Waits for an Event of this reason on the resource (Events follow the status write they explain). */
  async waitForEvent(
    name: string,
    reason: string,
    type: 'Normal' | 'Warning' = 'Warning',
  ): Promise<{ reason: string; type: string; message: string }> {
    return eventually(`${name}: a ${type} Event ${reason}`, async () =>
      (await this.events(name)).find((e) => e.reason === reason && e.type === type),
    );
  }

  async events(name: string): Promise<{ reason: string; type: string; message: string }[]> {
    const list = await this.core.listNamespacedEvent({
      namespace: this.namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items.map((e) => ({ reason: e.reason ?? '', type: e.type ?? '', message: e.message ?? '' }));
  }
}

export class Backups extends CustomResources<'CassandraBackup'> {
  constructor(kc: KubeConfig, namespace: string, context?: () => string) {
    super('CassandraBackup', kc, namespace, context);
  }

  /** The backups a CassandraBackupSchedule made, by name (so, oldest run first). */
  async ofSchedule(schedule: string): Promise<CassandraBackup[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      ...resourceNames.CassandraBackup,
      namespace: this.namespace,
      labelSelector: `${SCHEDULE_LABEL}=${schedule}`,
    })) as { items: CassandraBackup[] };
    return list.items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }

  /** Creates a backup of the cluster and waits until every node's operation runs with some progress. */
  async createAndWaitRunning(
    name: string,
    spec: { cassandraCluster: string; storageLocation: string; secretName: string } & Record<string, unknown>,
  ): Promise<CassandraBackup> {
    await this.create(name, spec);
    return this.waitFor(
      name,
      'every node running with some progress',
      (b) =>
        b.status?.state === 'RUNNING' &&
        (b.status.nodes ?? []).every((n) => n.operationId && (n.progress ?? 0) > 0),
    );
  }
}

export class Restores extends CustomResources<'CassandraRestore'> {
  constructor(kc: KubeConfig, namespace: string, context?: () => string) {
    super('CassandraRestore', kc, namespace, context);
  }
}

export class Schedules extends CustomResources<'CassandraBackupSchedule'> {
  constructor(kc: KubeConfig, namespace: string, context?: () => string) {
    super('CassandraBackupSchedule', kc, namespace, context);
  }
}

export class Syncs extends CustomResources<'CassandraBackupSync'> {
  constructor(kc: KubeConfig, namespace: string, context?: () => string) {
    super('CassandraBackupSync', kc, namespace, context);
  }
}

export function succeeded(b: { status?: { conditions?: Condition[] } }): string | undefined {
  return b.status?.conditions?.find((c) => c.type === 'Succeeded')?.status;
}

/** The Succeeded condition is True or False: the run has ended, either way. */
export function decided(b: { status?: { conditions?: Condition[] } }): boolean {
  const s = succeeded(b);
  return s === 'True' || s === 'False';
}

/** Backup operations each node received (the topology upload is counted apart). */
export function backupsPerNode(c: PodCluster): { data: number; topology: number }[] {
  return c.cluster.nodes.map((n) => {
    const ops = n.simulator.received.filter((r) => r.type === 'backup');
    const topology = ops.filter((r) => r.request.uploadClusterTopology === true).length;
    return { data: ops.length - topology, topology };
  });
}

/** Restore operations each node received, by phase. */
export function restoresPerNode(c: PodCluster): Record<string, number>[] {
  return c.cluster.nodes.map((n) => {
    const counts: Record<string, number> = {};
    for (const r of n.simulator.received.filter((x) => x.type === 'restore')) {
      const phase = String(r.request.restorationPhase);
      counts[phase] = (counts[phase] ?? 0) + 1;
    }
    return counts;
  });
}
