// A backup on every node of a contract target at once, as the operator sends it (its request builder,
// Icarus 3.x credentials), each operation followed to its end; and the errors an operation ended with.
import { randomToken } from '../../dev/stack/storage-servers.js';
import { IcarusClient } from '../../src/icarus/client.js';
import { backupRequest, resolveSnapshotTag } from '../../src/icarus/requests.js';
import type { Operation } from '../../src/icarus/types.js';
import { cassandraBackupSpecSchema } from '../../src/kube/api/resources.js';
import { operationEnd } from './operation-end.js';
import type { ContractTarget } from './targets.js';

export async function backupOnEveryNode(
  target: ContractTarget,
  opts: { storageLocation: string; entities: string; spec?: Record<string, unknown>; timeoutMs: number },
): Promise<{ resolvedTag: string; ops: Operation[] }> {
  const schemaVersion = await target.schemaVersion();
  const resolvedTag = resolveSnapshotTag(`${opts.entities}-${randomToken(6)}`, schemaVersion, Date.now());
  const spec = cassandraBackupSpecSchema.parse({
    cassandraCluster: 'c',
    storageLocation: opts.storageLocation,
    secretName: 's',
    entities: opts.entities,
    ...opts.spec,
  });
  const ops = await Promise.all(
    target.nodes.map(async (node) => {
      const client = new IcarusClient({ baseUrl: node.url });
      const submitted = await client.submit(
        backupRequest({
          spec,
          node,
          resolvedTag,
          schemaVersion,
          dataDirs: target.dataDirs,
          credentials: { generation: 3 },
        }),
      );
      return operationEnd(client, submitted.id, opts.timeoutMs);
    }),
  );
  return { resolvedTag, ops };
}

/** The messages of the errors an operation ended with. */
export const errorsOf = (op: Operation): string[] => (op.errors ?? []).map((e) => e.message ?? '');
