// The bucket a real Icarus 3.0.0 global backup left (test/fixtures/icarus-global-backup): its cluster's
// identities, simulated nodes that take them (so that their DOWNLOAD finds their own folders and its
// token check passes), and the rows each of its two backups holds per node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { startPodCluster, type PodCluster } from '../cassandra-pods.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/icarus-global-backup/', import.meta.url));
export const FIXTURE_BUCKET = join(FIXTURE_DIR, 'bucket');

export const fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, 'cluster.json'), 'utf8')) as {
  clusterName: string;
  dc: string;
  schemaVersion: string;
  nodes: { hostId: string; tokens: string[] }[];
};

/** The full names of its two backups, both tagged `nightly`. */
export const OLDER = `nightly-${fixture.schemaVersion}-1795500000000`;
export const NEWER = `nightly-${fixture.schemaVersion}-1795560000000`;

/** Simulated nodes with the fixture cluster's name, datacenter, host ids, tokens and schema version. */
export async function startFixtureCluster(
  kc: KubeConfig,
  namespace: string,
  clusters: PodCluster[],
): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name: fixture.clusterName,
    datacenters: { [fixture.dc]: fixture.nodes.length },
    identities: fixture.nodes,
    schemaVersion: fixture.schemaVersion,
    timing: { durationMs: 500, pendingMs: 30 },
  });
  clusters.push(c);
  return c;
}

/** The rows of shop.orders node i holds in the older (`old`) or newer (`new`) backup. */
export function fixtureRows(c: PodCluster, which: 'old' | 'new'): { id: number; item: string }[][] {
  return c.cluster.nodes.map((_, i) => [
    { id: i * 10 + 1, item: `${which}-book-${i}` },
    { id: i * 10 + 2, item: `${which}-lamp-${i}` },
  ]);
}
