// Matching a restore's pods to the backup's nodes when the restore goes into another or a rebuilt
// cluster (activities/restore-source-nodes.ts): by datacenter and ordinal, one to one, or refused with
// what does not fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchByOrdinal, ordinalOf } from '../../../activities/restore-source-nodes.js';
import type { CatalogBackup } from '../../../src/storage/backup-catalog.js';
import type { NodeWork } from '../../../src/contract/status.js';

const backup = (nodes: { dc: string; hostId: string; hostname?: string }[]): CatalogBackup => ({
  name: 'nightly-s-1',
  tag: 'nightly',
  schemaVersion: 's',
  time: new Date(1).toISOString(),
  cluster: 'old-ring',
  datacenters: [...new Set(nodes.map((n) => n.dc))],
  nodes: nodes.map((n) => ({ ...n, manifest: 'm', files: 1, bytes: 1, tokens: ['1'] })),
});
const pod = (name: string, dc = 'dc1'): NodeWork => ({
  pod: name,
  dc,
  rack: 'r1',
  hostId: `new-${name}`,
  address: 'a',
  icarusUrl: 'u',
});

test('the ordinal ends a pod name or a host name’s first label', () => {
  assert.equal(ordinalOf('ring-cassandra-dc1-12'), '12');
  assert.equal(ordinalOf('old-cassandra-dc1-0.old-seeds.prod.svc.cluster.local'), '0');
  assert.equal(ordinalOf('10.0.0.1'), undefined);
  assert.equal(ordinalOf(''), undefined);
});

test('each pod takes the backup node of its datacenter with its ordinal', () => {
  const b = backup([
    { dc: 'dc1', hostId: 'h0', hostname: 'old-cassandra-dc1-0.old.svc.cluster.local' },
    { dc: 'dc1', hostId: 'h1', hostname: 'old-cassandra-dc1-1.old.svc.cluster.local' },
    { dc: 'dc2', hostId: 'h2', hostname: 'old-cassandra-dc2-0' },
  ]);
  assert.deepEqual(matchByOrdinal(b, [pod('new-dc1-1'), pod('new-dc1-0'), pod('new-dc2-0', 'dc2')]), {
    'new-dc1-0': { cluster: 'old-ring', dc: 'dc1', hostId: 'h0' },
    'new-dc1-1': { cluster: 'old-ring', dc: 'dc1', hostId: 'h1' },
    'new-dc2-0': { cluster: 'old-ring', dc: 'dc2', hostId: 'h2' },
  });
  assert.deepEqual(
    matchByOrdinal(backup([{ dc: 'dc1', hostId: 'h9', hostname: '10.0.0.9' }]), [pod('anything')]),
    { anything: { cluster: 'old-ring', dc: 'dc1', hostId: 'h9' } },
    'one node on each side needs no name',
  );
});

test('a backup that does not fit one to one is refused, saying what differs', () => {
  const b = backup([
    { dc: 'dc1', hostId: 'h0', hostname: 'old-dc1-0' },
    { dc: 'dc1', hostId: 'h1', hostname: 'old-dc1-1' },
    { dc: 'dc1', hostId: 'h2', hostname: 'old-dc1-2' },
  ]);
  const refusal = (nodes: NodeWork[]) => {
    try {
      matchByOrdinal(b, nodes);
    } catch (err) {
      assert.equal((err as { reason?: string }).reason, 'NodesDoNotMatchBackup');
      return (err as Error).message;
    }
    return assert.fail('matched');
  };
  assert.match(
    refusal([pod('new-dc1-0'), pod('new-dc1-1')]),
    /backup node\(s\) old-dc1-2 \(h2\) in dc1 have no pod with their ordinal, so their rows would not be restored/,
  );
  assert.match(
    refusal([pod('new-dc1-0'), pod('new-dc1-1'), pod('new-dc1-2'), pod('new-dc1-3')]),
    /pod new-dc1-3 \(dc1\) has no backup node with its ordinal/,
  );
  assert.match(refusal([pod('new-dc2-0', 'dc2')]), /the backup has no node in datacenter dc2 \(it has dc1\)/);
  const unnamed = backup([
    { dc: 'dc1', hostId: 'h0', hostname: '10.0.0.1' },
    { dc: 'dc1', hostId: 'h1' },
  ]);
  assert.throws(
    () => matchByOrdinal(unnamed, [pod('new-dc1-0'), pod('new-dc1-1')]),
    /gives no host name ending in an ordinal for h0, h1 in dc1/,
  );
});
