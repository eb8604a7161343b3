// Evidence written by hand for the storm's checks (test/support/storm/checks.ts), as their unit tests
// (test/unit/storm/*-checks.test.ts) give it: simulated clusters that record what each node received,
// a resource's journal, and a COMPLETED backup whose every node ran its operation.
import type { OperationRecord, ReceivedRequest } from '../../dev/icarus-simulator/node.js';
import type { CassandraBackup } from '../../src/kube/api/resources.js';
import type { PodCluster } from './cassandra-pods.js';
import { checkAll, documentedReasons, type Evidence } from './storm/checks.js';
import type { ResourceClass } from './storm/load.js';
import type { Journal } from './storm/people.js';

export const T0 = Date.parse('2026-12-01T10:00:00.000Z');
export const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A simulated cluster as the checks read it: what each node received, its restarts, its operations. */
export function cluster(name: string) {
  const ops = new Map<string, OperationRecord>();
  const nodes = [1, 2, 3].map((i) => ({
    identity: { address: `127.9.9.${i}` },
    data: new Map<string, unknown[]>(),
    simulator: {
      received: [] as ReceivedRequest[],
      restarts: [] as string[],
      operation: (id: string) => ops.get(id),
    },
  }));
  let n = 0;
  const c = {
    pod: { cluster: { opts: { name }, nodes } } as unknown as PodCluster,
    nodes,
    /** An operation on a node: received at `start` s, ended (or not) at `end` s. */
    op(
      node: number,
      request: Record<string, unknown>,
      start: number,
      end: number | null,
      extra: Partial<OperationRecord> = {},
    ) {
      const id = `${name}-op-${++n}`.padEnd(12, '0');
      nodes[node]?.simulator.received.push({
        at: at(start),
        type: String(request.type),
        request,
        operationId: id,
      });
      ops.set(id, {
        state: end === null ? 'RUNNING' : 'COMPLETED',
        creationTime: at(start),
        completionTime: end === null ? null : at(end),
        cancelRequested: false,
        errors: [],
        ...extra,
      });
      return id;
    },
  };
  return c;
}

export function journal(
  name: string,
  cls: ResourceClass,
  c: ReturnType<typeof cluster>,
  end: Journal['end'],
): Journal {
  return {
    name,
    kind: cls.includes('restore') ? 'restore' : 'backup',
    class: cls,
    cluster: c.pod,
    uid: 'uid',
    createdAt: T0,
    failures: [],
    retries: [],
    end,
    ended: true,
    problems: [],
  };
}

const documented = documentedReasons(
  '### TruncateLost\n### IcarusOperationLost\n| `WaitingForRestore` |\n### TopologyUploadFailed',
);

export function evidence(journals: Journal[], extra: Partial<Evidence> = {}): Evidence {
  return {
    journals,
    stormStart: at(0),
    histories: new Map(),
    events: new Map(),
    running: [],
    documented,
    ...extra,
  };
}

export const LOCATION = 's3://storm';
export const tag = (name: string) => `${name}-schema-${T0}`;
export const backupOp = (name: string, location = LOCATION, topology = false) => ({
  type: 'backup',
  snapshotTag: tag(name),
  storageLocation: location,
  ...(topology ? { uploadClusterTopology: true } : {}),
});

/** A COMPLETED backup whose every node ran one operation to `location`, and a topology upload. */
export function completedBackup(
  name: string,
  c: ReturnType<typeof cluster>,
  opts: { location?: string; generation?: number; observed?: number } = {},
) {
  const location = opts.location ?? LOCATION;
  const ids = c.nodes.map((_, i) => c.op(i, backupOp(name, location), 1, 10));
  c.op(0, backupOp(name, location, true), 11, 20);
  const b = {
    metadata: { name, generation: opts.generation ?? 1 },
    spec: { storageLocation: location },
    status: {
      state: 'COMPLETED',
      progress: 100,
      observedGeneration: opts.observed ?? opts.generation ?? 1,
      snapshotTag: tag(name),
      nodes: c.nodes.map((n, i) => ({
        address: `${n.identity.address}:4567`,
        operationId: ids[i],
        state: 'COMPLETED',
      })),
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'Completed' }],
    },
  } as unknown as CassandraBackup;
  return { b, ids };
}

export const violations = (e: Evidence) => checkAll(e).flatMap((v) => v.violations);
