// Activities against simulated Icarus nodes in Temporal's mock activity environment (unit tests): the
// nodes, the dependencies an activity gets (Icarus clients, a logger, a status writer that records the
// fields it is given), and a typed way to run a body as an activity.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MockActivityEnvironment } from '@temporalio/testing';
import { icarusClients, type ActivityDeps } from '../../activities/deps.js';
import { SimulatedCluster } from '../../dev/icarus-simulator/cluster.js';
import { createLogger } from '../../src/logger.js';
import type { NodeWork } from '../../src/contract/status.js';
import type { StatusUpdate } from '../../src/kube/status-writer.js';

export function simulatedActivities(nodes = 2) {
  const cluster = new SimulatedCluster({
    name: 'unit',
    datacenters: { dc1: nodes },
    storageRoot: mkdtempSync(join(tmpdir(), 'cbo-unit-')),
    port: 0,
    timing: { durationMs: 300, pendingMs: 10 },
    // The bucket the activity tests' specs name.
    buckets: ['s3://bucket'],
  });
  const writes: Record<string, unknown>[] = [];
  /** Resources (by name) that a test marks as being deleted: submissions must refuse them. */
  const deleting = new Set<string>();
  /** Storage Secrets (by name) that a test deletes: submissions must refuse to start a node. */
  const deletedSecrets = new Set<string>();
  const b64 = (v: string) => Buffer.from(v).toString('base64');
  const deps = {
    icarus: icarusClients(2000),
    // Every Secret holds S3 key names (values are no concern here), unless the test deleted it.
    core: {
      readNamespacedSecret: ({ name }: { name: string }) =>
        deletedSecrets.has(name)
          ? Promise.reject(Object.assign(new Error('secrets not found'), { code: 404 }))
          : Promise.resolve({
              data: {
                awsaccesskeyid: b64('id'),
                awssecretaccesskey: b64('key'),
                awsregion: b64('us-east-1'),
              },
            }),
    },
    // The resource a submission reads last: uid 'u' as the tests' inputs say, deleting when marked so.
    custom: {
      getNamespacedCustomObject: ({ name }: { name: string }) =>
        Promise.resolve({
          metadata: {
            name,
            uid: 'u',
            ...(deleting.has(name) ? { deletionTimestamp: new Date() } : {}),
          },
        }),
    },
    logger: createLogger('silent'),
    statusWriter: {
      update: (_ref: unknown, u: StatusUpdate) => (
        writes.push(u.fields ?? {}),
        Promise.resolve({ gone: false })
      ),
      flush: (_ref: unknown, u: StatusUpdate) => (
        writes.push(u.fields ?? {}),
        Promise.resolve({ gone: false })
      ),
    },
  } as unknown as ActivityDeps;

  function nodeWork(i: number): NodeWork {
    const n = cluster.nodes[i];
    if (!n) throw new Error(`no node ${i}`);
    return {
      pod: `pod-${i}`,
      dc: n.identity.dc,
      rack: n.identity.rack,
      hostId: n.identity.hostId,
      address: n.simulator.url.replace('http://', ''),
      icarusUrl: n.simulator.url,
    };
  }
  return { cluster, deps, writes, nodeWork, deleting, deletedSecrets };
}

/** Runs the body as an activity of the mock environment (typed: the SDK's run() infers no result type). */
export function inActivity<R>(env: MockActivityEnvironment, body: () => Promise<R>): Promise<R> {
  return env.run<[], R, () => Promise<R>>(body);
}
