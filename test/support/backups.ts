// CassandraBackups as an end-to-end test handles them: create, read, wait for a state, read Events,
// and count what the simulated Icarus nodes received.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup } from '../../src/kube/api/resources.js';
import type { PodCluster } from './cassandra-pods.js';
import { eventually } from './wait.js';

const { group, version, plural } = resourceNames.CassandraBackup;

export class Backups {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    /** Shown when a wait times out (the operator's last log lines). */
    private readonly context: () => string = () => '',
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async get(name: string): Promise<CassandraBackup> {
    return (await this.custom.getNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: this.namespace,
      name,
    })) as CassandraBackup;
  }

  async create(name: string, spec: Record<string, unknown>): Promise<CassandraBackup> {
    return (await this.custom.createNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: this.namespace,
      body: { apiVersion: `${group}/${version}`, kind: 'CassandraBackup', metadata: { name }, spec },
    })) as CassandraBackup;
  }

  async waitFor(
    name: string,
    what: string,
    check: (b: CassandraBackup) => boolean,
  ): Promise<CassandraBackup> {
    let last: CassandraBackup | undefined;
    return eventually(
      `${name}: ${what}`,
      async () => {
        last = await this.get(name);
        return check(last) ? last : undefined;
      },
      { describe: () => `status: ${JSON.stringify(last?.status, null, 1)}\n${this.context()}` },
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

export function succeeded(b: CassandraBackup): string | undefined {
  return b.status?.conditions?.find((c) => c.type === 'Succeeded')?.status;
}

/** Backup operations each node received (the topology upload is counted apart). */
export function backupsPerNode(c: PodCluster): { data: number; topology: number }[] {
  return c.cluster.nodes.map((n) => {
    const ops = n.simulator.received.filter((r) => r.type === 'backup');
    const topology = ops.filter((r) => r.request.uploadClusterTopology === true).length;
    return { data: ops.length - topology, topology };
  });
}
