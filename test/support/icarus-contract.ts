// The Icarus contract files' target and their requests (test/contract/icarus-*.test.ts): the target
// (test/contract/targets.ts: the simulator, or with ICARUS_CONTRACT_TARGET=real real Cassandra and the
// Icarus API), a client per node, an operation followed to its end, and a backup on every node or a
// restore phase as the operator's request builders make them.
import { IcarusClient } from '../../src/icarus/client.js';
import {
  backupRequest,
  resolveSnapshotTag,
  restoreRequest,
  type RestorePhase,
} from '../../src/icarus/requests.js';
import type { Operation } from '../../src/icarus/types.js';
import { cassandraBackupSpecSchema, cassandraRestoreSpecSchema } from '../../src/kube/api/resources.js';
import { operationEnd } from '../contract/operation-end.js';
import { contractTarget, type ContractNode, type ContractTarget } from '../contract/targets.js';

export interface IcarusContract {
  target: ContractTarget;
  client: (node: ContractNode) => IcarusClient;
  /** The operation once it has ended. */
  finished: (node: ContractNode, id: string, timeoutMs?: number) => Promise<Operation>;
  /** A backup of `spec` on every node at once, tagged `tag` (resolved), each followed to its end. */
  backupAll: (
    spec: Record<string, unknown>,
    tag: string,
    opts?: { topologyFromFirstNode?: boolean },
  ) => Promise<{ resolvedTag: string; ops: Operation[] }>;
  /** One restore phase of `snapshotTag` on `nodes` (all by default), each followed to its end. */
  restorePhase: (
    phase: RestorePhase,
    snapshotTag: string,
    spec?: Record<string, unknown>,
    nodes?: ContractNode[],
  ) => Promise<Operation[]>;
}

export const rows = [
  { id: 1, v: 'one' },
  { id: 2, v: 'two' },
  { id: 3, v: 'three' },
  { id: 4, v: 'four' },
];

/** Starts the target (stop it with `target.stop()`). */
export async function startIcarusContract(): Promise<IcarusContract> {
  const target = await contractTarget();
  const clients = new Map<string, IcarusClient>();
  for (const n of target.nodes) clients.set(n.url, new IcarusClient({ baseUrl: n.url }));
  const client = (node: ContractNode) => clients.get(node.url) ?? new IcarusClient({ baseUrl: node.url });

  const finished = (node: ContractNode, id: string, timeoutMs = 60_000): Promise<Operation> =>
    operationEnd(client(node), id, timeoutMs);

  async function backupAll(
    spec: Record<string, unknown>,
    tag: string,
    opts: { topologyFromFirstNode?: boolean } = {},
  ): Promise<{ resolvedTag: string; ops: Operation[] }> {
    const schemaVersion = await target.schemaVersion();
    const resolvedTag = resolveSnapshotTag(tag, schemaVersion, Date.now());
    const parsed = cassandraBackupSpecSchema.parse({
      cassandraCluster: 'c',
      storageLocation: target.bucket,
      secretName: 's',
      ...spec,
    });
    const submitted = await Promise.all(
      target.nodes.map((node, i) =>
        client(node).submit(
          backupRequest({
            spec: parsed,
            node,
            resolvedTag,
            schemaVersion,
            dataDirs: target.dataDirs,
            credentials: { generation: 3 },
            uploadClusterTopology: opts.topologyFromFirstNode === true && i === 0,
          }),
        ),
      ),
    );
    const ops = await Promise.all(submitted.map((op, i) => finished(target.nodes[i] as ContractNode, op.id)));
    return { resolvedTag, ops };
  }

  async function restorePhase(
    phase: RestorePhase,
    snapshotTag: string,
    spec: Record<string, unknown> = {},
    nodes = target.nodes,
  ): Promise<Operation[]> {
    const parsed = cassandraRestoreSpecSchema.parse({ cassandraCluster: 'c', cassandraBackup: 'b', ...spec });
    const submitted = await Promise.all(
      nodes.map((node) =>
        client(node).submit(
          restoreRequest({
            spec: parsed,
            source: { storageLocation: target.bucket, snapshotTag },
            node,
            phase,
            dataDirs: target.dataDirs,
            cassandraDirectory: target.cassandraDirectory,
            downloadDir: target.downloadDir,
            credentials: { generation: 3 },
          }),
        ),
      ),
    );
    return Promise.all(submitted.map((op, i) => finished(nodes[i] as ContractNode, op.id)));
  }

  return { target, client, finished, backupAll, restorePhase };
}
