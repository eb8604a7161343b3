// Every check of the storm can fail: each defect the storm hunts, written as the evidence it would leave,
// gives a violation, and the right end gives none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OperationRecord, ReceivedRequest } from '../../../dev/icarus-simulator/node.js';
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import type { PodCluster } from '../../support/cassandra-pods.js';
import { checkAll, claimedStopped, documentedReasons, type Evidence } from '../../support/storm/checks.js';
import type { ResourceClass } from '../../support/storm/load.js';
import type { Journal } from '../../support/storm/people.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A simulated cluster as the checks read it: what each node received, its restarts, its operations. */
function cluster(name: string) {
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

function journal(
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

function evidence(journals: Journal[], extra: Partial<Evidence> = {}): Evidence {
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

const LOCATION = 's3://storm';
const tag = (name: string) => `${name}-schema-${T0}`;
const backupOp = (name: string, location = LOCATION, topology = false) => ({
  type: 'backup',
  snapshotTag: tag(name),
  storageLocation: location,
  ...(topology ? { uploadClusterTopology: true } : {}),
});

/** A COMPLETED backup whose every node ran one operation to `location`, and a topology upload. */
function completedBackup(
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

const violations = (e: Evidence) => checkAll(e).flatMap((v) => v.violations);

test('a backup that ended as designed has no violation; one op too many while the first runs is a duplicate', () => {
  const c = cluster('a');
  const { b } = completedBackup('b1', c);
  assert.deepEqual(violations(evidence([journal('b1', 'backup', c, b)])), []);
  // The same node gets a second operation while Icarus still runs the first (no restart between).
  const first = c.op(1, backupOp('b2'), 1, 30);
  const { b: b2 } = completedBackup('b2', c);
  void first;
  const v = checkAll(evidence([journal('b2', 'backup', c, b2)]));
  assert.equal(v[0]?.duplicated, 1);
  assert.match(v[0]?.violations.join('\n') ?? '', /sent while Icarus still ran/);
});

test('a second operation after a restart lost the first is a resubmission, not a duplicate', () => {
  const c = cluster('a');
  c.op(1, backupOp('b1'), 0.5, null);
  c.nodes[1]?.simulator.restarts.push(at(0.8));
  const { b } = completedBackup('b1', c);
  const v = checkAll(evidence([journal('b1', 'backup', c, b)]));
  assert.equal(v[0]?.resubmitted, 1);
  assert.equal(v[0]?.duplicated, 0);
  assert.deepEqual(v[0]?.violations, []);
});

test('defect 3: COMPLETED for an older generation, with operations written to the old location', () => {
  const c = cluster('a');
  const { b } = completedBackup('edited', c, { generation: 2, observed: 1 });
  (b.spec as { storageLocation: string }).storageLocation = 's3://storm-moved';
  const found = violations(
    evidence([journal('edited', 'backup, storageLocation edited at 30 %', c, b)]),
  ).join('\n');
  assert.match(found, /COMPLETED for generation 1, but the spec is at generation 2/);
  assert.match(found, /wrote to s3:\/\/storm; spec.storageLocation is s3:\/\/storm-moved/);
  assert.match(found, /without a completed topology upload/);
});

test('defect 1: FAILED TopologyUploadFailed after a sidecar restart is not a designed end, even when a retry completes it', () => {
  const c = cluster('a');
  const { b } = completedBackup('b1', c);
  const j = journal('b1', 'backup', c, b);
  c.nodes[0]?.simulator.restarts.push(at(12));
  j.failures.push({ at: T0 + 15_000, reason: 'TopologyUploadFailed', message: 'topology upload lost' });
  j.retries.push({ at: T0 + 16_000, afterReason: 'TopologyUploadFailed' });
  assert.match(violations(evidence([j])).join('\n'), /FAILED TopologyUploadFailed, not a designed end/);
  // IcarusOperationLost after three restarts of one node is designed (and documented).
  const k = journal('b1', 'backup', c, b);
  c.nodes[0]?.simulator.restarts.push(at(13), at(14));
  k.failures.push({ at: T0 + 15_000, reason: 'IcarusOperationLost', message: 'lost 3 times' });
  k.retries.push({ at: T0 + 16_000, afterReason: 'IcarusOperationLost' });
  assert.deepEqual(violations(evidence([k])), []);
  // An undocumented reason, and a resource left FAILED, are violations.
  const u = journal('b1', 'backup', c, {
    ...b,
    status: {
      ...b.status,
      state: 'FAILED',
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Mystery' }],
    },
  } as CassandraBackup);
  u.failures.push({ at: T0 + 15_000, reason: 'Mystery', message: '?' });
  const found = violations(evidence([u])).join('\n');
  assert.match(found, /docs\/troubleshooting.md does not name/);
  assert.match(found, /still FAILED Mystery after 0 retries/);
});

test('defect 4: an operation submitted after the cancel ran to COMPLETED; the Event claims operations stopped', () => {
  const c = cluster('a');
  const j = journal('gone1', 'backup, deleted 0–50 ms after create', c, 'gone');
  c.op(0, backupOp('gone1'), 0.2, 20);
  const histories = new Map([['gone1', { found: true, cancelAt: T0 + 100, truncateOps: [] }]]);
  const events = new Map([
    [
      'gone1',
      [
        {
          reason: 'BackupCancelled',
          type: 'Warning',
          message: 'The resource was deleted: backup cancelled; 3 Icarus operation(s) stopped',
        },
      ],
    ],
  ]);
  const v = checkAll(evidence([j], { histories, events }));
  assert.equal(v[0]?.afterCancel, 1);
  const found = v[0]?.violations.join('\n') ?? '';
  assert.match(found, /submitted 100 ms after the cancel signal ran to COMPLETED/);
  assert.match(found, /Event says 3 Icarus operation\(s\) were stopped; Icarus stopped 0/);
  // Stopped for real, and submitted before the cancel: as designed.
  const d = cluster('b');
  d.op(0, backupOp('gone2'), 0, 1, { state: 'FAILED', cancelRequested: true });
  const ok = journal('gone2', 'backup, deleted 0–50 ms after create', d, 'gone');
  const h2 = new Map([['gone2', { found: true, cancelAt: T0 + 100, truncateOps: [] }]]);
  const e2 = new Map([
    [
      'gone2',
      [
        {
          reason: 'BackupCancelled',
          type: 'Warning',
          message: 'backup cancelled; 1 Icarus operation(s) stopped',
        },
      ],
    ],
  ]);
  assert.deepEqual(violations(evidence([ok], { histories: h2, events: e2 })), []);
  // Still there after the delete.
  const stuck = journal('gone3', 'backup, deleted 0–50 ms after create', d, {
    metadata: {},
    status: { state: 'RUNNING' },
  } as CassandraBackup);
  assert.match(violations(evidence([stuck])).join('\n'), /still there after the delete/);
});

test('the cancel Event of today counts what it says it stopped: cancelled and stopped, not completed', () => {
  assert.equal(
    claimedStopped('Backup cancelled; Icarus operations: 2 cancelled, 1 had already completed'),
    2,
  );
  assert.equal(
    claimedStopped(
      'Backup cancelled; Icarus operations: 1 stopped (ended FAILED), 1 cancelled. The restored …',
    ),
    2,
  );
  assert.equal(claimedStopped('Backup cancelled; Icarus operations: 3 had already completed'), 0);
  assert.equal(
    claimedStopped('The resource was deleted: backup cancelled; 3 Icarus operation(s) stopped'),
    3,
  );
  assert.equal(claimedStopped('Backup cancelled'), 0);
});

function completedRestore(name: string, c: ReturnType<typeof cluster>) {
  const req = (phase: string) => ({
    type: 'restore',
    restorationPhase: phase,
    snapshotTag: tag('src'),
    storageLocation: LOCATION,
  });
  c.nodes.forEach((_, i) => c.op(i, req('DOWNLOAD'), 1, 2));
  const truncate = c.op(0, req('TRUNCATE'), 3, 4);
  c.nodes.forEach((_, i) => c.op(i, req('IMPORT'), 5, 6));
  const cleanup = c.nodes.map((_, i) => c.op(i, req('CLEANUP'), 7, 8));
  const r = {
    metadata: { name },
    status: {
      state: 'COMPLETED',
      phases: ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'].map((p) => ({
        name: p,
        state: 'COMPLETED',
        nodes: 3,
        completedNodes: 3,
      })),
      nodes: c.nodes.map((n, i) => ({
        address: n.identity.address,
        phase: 'CLEANUP',
        operationId: cleanup[i],
        state: 'COMPLETED',
      })),
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'Completed' }],
    },
  } as unknown as CassandraRestore;
  return { r, truncate, req };
}

test('defect 2: a retried restore truncates after a second restore cleaned up: rows lost, the cluster ends empty', () => {
  const c = cluster('r');
  const rows = [[{ id: 0 }], [{ id: 1 }], [{ id: 2 }]];
  const { r, truncate } = completedRestore('first', c);
  c.nodes.forEach((n, i) => n.data.set('shop.orders', rows[i] ?? []));
  const j = journal('first', 'restore', c, r);
  j.source = { backup: 'src', rows };
  j.rowsAtEnd = { rows, othersBusy: false };
  const histories = new Map([['first', { found: true, truncateOps: [truncate] }]]);
  assert.deepEqual(violations(evidence([j], { histories })), [], 'the right end passes');

  c.nodes.forEach((n) => n.data.set('shop.orders', []));
  j.rowsAtEnd = { rows: [[], [], []], othersBusy: false };
  const found = violations(evidence([j], { histories })).join('\n');
  assert.match(found, /rows right after COMPLETED: \[\[\],\[\],\[\]\]/);
  assert.match(found, /ends with rows \[\[\],\[\],\[\]\]/);
});

test('TRUNCATE at most once per attempt: a second one needs a retry after a lost TRUNCATE; one in no history is flagged', () => {
  const c = cluster('r');
  const rows = [[], [], []];
  const { r, truncate, req } = completedRestore('t', c);
  const again = c.op(0, req('TRUNCATE'), 4.5, 4.8);
  const j = journal('t', 'restore', c, r);
  j.source = { backup: 'src', rows };
  c.nodes.forEach((n) => n.data.set('shop.orders', []));
  const histories = new Map([['t', { found: true, truncateOps: [truncate, again] }]]);
  assert.match(violations(evidence([j], { histories })).join('\n'), /2 TRUNCATEs for 1 attempt/);
  j.retries.push({ at: T0 + 4400, afterReason: 'TruncateLost' });
  j.failures.push({ at: T0 + 4300, reason: 'TruncateLost', message: 'lost' });
  c.nodes[0]?.simulator.restarts.push(at(3.5));
  assert.deepEqual(violations(evidence([j], { histories })), []);
  // A second lost TRUNCATE needs a restart after the retry that started its attempt.
  const twice = { ...j, failures: [...j.failures], retries: [...j.retries] };
  twice.failures.push({ at: T0 + 4450, reason: 'TruncateLost', message: 'lost again' });
  twice.retries.push({ at: T0 + 4460, afterReason: 'TruncateLost' });
  const again3 = c.op(0, req('TRUNCATE'), 4.47, 4.49);
  const three = new Map([['t', { found: true, truncateOps: [truncate, again, again3] }]]);
  assert.match(
    violations(evidence([twice], { histories: three })).join('\n'),
    /FAILED TruncateLost, not a designed end/,
    'the restart at 3.5 s explains the first loss only',
  );
  c.nodes[2]?.simulator.restarts.push(at(4.42));
  assert.deepEqual(violations(evidence([twice], { histories: three })), []);
  const orphan = new Map([['t', { found: true, truncateOps: [truncate] }]]);
  assert.match(
    violations(evidence([j], { histories: orphan })).join('\n'),
    /TRUNCATE .* is in no restore's history/,
  );
});

test('no workflow left waiting without a reason', () => {
  const c = cluster('a');
  const { b } = completedBackup('b1', c);
  const running = [{ id: 'cassandrabackup/ns/b1/uid', name: 'b1' }];
  assert.match(
    violations(evidence([journal('b1', 'backup', c, b)], { running })).join('\n'),
    /still running, waiting without a reason \(the resource is COMPLETED/,
  );
  const waiting = {
    ...b,
    status: {
      ...b.status,
      state: 'PENDING',
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'WaitingForRestore' }],
    },
  } as CassandraBackup;
  const j = journal('b1', 'backup', c, waiting);
  j.ended = false;
  const found = violations(evidence([j], { running }));
  assert.ok(!found.some((x) => x.includes('still running')), 'waiting with a documented reason');
  assert.ok(found.some((x) => x.includes('never ended')));
});

test('documented reasons come from the headings and the codes in backticks', () => {
  const reasons = documentedReasons(
    '## Restores\n### CassandraBackupFailed, CassandraBackupCancelled\n| `Pending`, `Planning` | x |\nplain Words here',
  );
  assert.deepEqual([...reasons].sort(), [
    'CassandraBackupCancelled',
    'CassandraBackupFailed',
    'Pending',
    'Planning',
  ]);
});
