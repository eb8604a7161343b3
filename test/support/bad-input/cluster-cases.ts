// The bad-input cases of the Cassandra cluster, its pods and Icarus: a cluster unknown, not ready,
// without pods or whose pods have no IP; a dc or a pod the ring lacks; an Icarus that does not listen,
// hangs, goes away in the middle, refuses the request, answers a page that is not its API, or fails the
// operation.
import type { PodCluster } from '../cassandra-pods.js';
import { backup, name, s3Spec, type Case } from './case.js';
import { deadAddress, type BadInputWorld } from './world.js';

export function clusterCases(world: BadInputWorld): Case[] {
  const { cassandraCluster, pod, simulated, deadCluster, refusingSidecar, waitForState, mainName } = world;
  const s3 = s3Spec(mainName);
  const notReady = name('not-ready');
  const empty = name('empty');
  const noIp = name('no-ip');
  const dead = name('dead');
  const hung = name('hung');
  const stray = name('stray');
  const fading = name('fading');
  const refusing = name('refusing');
  const garbled = name('garbled');
  let fadingCluster: PodCluster | undefined;

  return [
    // The Cassandra cluster and its pods
    backup({
      name: 'cluster unknown (no CassandraCluster)',
      spec: () => s3({ cassandraCluster: 'no-such-ring' }),
      reason: 'CassandraClusterNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['CassandraCluster no-such-ring not found'],
    }),
    backup({
      name: 'cluster not ready',
      setup: () => cassandraCluster(notReady, false),
      spec: () => s3({ cassandraCluster: notReady }),
      reason: 'CassandraClusterNotReady',
      succeeded: 'Unknown',
      messageIncludes: [`CassandraCluster ${notReady} is not ready`],
    }),
    backup({
      name: 'cluster without pods',
      setup: () => cassandraCluster(empty),
      spec: () => s3({ cassandraCluster: empty }),
      reason: 'NoCassandraPods',
      succeeded: 'Unknown',
      messageIncludes: [`no pods of Cassandra cluster ${empty}`],
    }),
    backup({
      name: 'pods without an IP',
      setup: async () => {
        await cassandraCluster(noIp);
        await pod(`${noIp}-cassandra-dc1-0`, noIp);
        await pod(`${noIp}-cassandra-dc1-1`, noIp);
      },
      spec: () => s3({ cassandraCluster: noIp }),
      reason: 'NodesWithoutAddress',
      succeeded: 'Unknown',
      messageIncludes: [`${noIp}-cassandra-dc1-0, ${noIp}-cassandra-dc1-1 have no IP yet`],
    }),
    backup({
      name: 'dc the cluster does not have',
      spec: () => s3({ dc: 'dc9' }),
      reason: 'UnknownDatacenter',
      succeeded: 'False',
      messageIncludes: [`dc9 not found in cluster ${mainName}; it has dc1`],
    }),
    backup({
      name: 'pod not in the ring Icarus reports',
      setup: async () => {
        await simulated(stray, { dc1: 1 });
        await pod(`${stray}-cassandra-dc1-7`, stray, deadAddress());
      },
      spec: () => s3({ cassandraCluster: stray }),
      reason: 'NodeNotInTopology',
      succeeded: 'Unknown',
      messageIncludes: [`pod ${stray}-cassandra-dc1-7`, 'is not in the ring'],
    }),
    // Icarus
    backup({
      name: 'Icarus not listening',
      setup: () => deadCluster(dead, 2),
      spec: () => s3({ cassandraCluster: dead }),
      reason: 'IcarusUnreachable',
      succeeded: 'Unknown',
      messageIncludes: [`${dead}-cassandra-dc1-0`, 'ECONNREFUSED'],
    }),
    backup({
      name: 'Icarus hangs (accepts, never answers)',
      setup: async () => {
        const c = await simulated(hung, { dc1: 1 });
        if (c.cluster.nodes[0]) c.cluster.nodes[0].simulator.faults.hang = true;
      },
      spec: () => s3({ cassandraCluster: hung }),
      reason: 'IcarusUnreachable',
      succeeded: 'Unknown',
      messageIncludes: [`${hung}-cassandra-dc1-0`, 'did not answer GET /topology'],
    }),
    backup({
      name: 'Icarus gone in the middle of the backup',
      setup: async () => {
        fadingCluster = await simulated(fading, { dc1: 1 }, 60_000);
      },
      spec: () => s3({ cassandraCluster: fading }),
      whileRunning: async (resource) => {
        await waitForState('CassandraBackup', resource, 'its node running', (b) =>
          Boolean(b.status?.nodes?.[0]?.operationId),
        );
        await fadingCluster?.stop();
      },
      reason: 'IcarusUnavailable',
      succeeded: 'False',
      messageIncludes: [`${fading}-cassandra-dc1-0`, 'did not answer GET /operations/', 'ECONNREFUSED'],
    }),
    backup({
      name: 'Icarus answers 400 to the request',
      setup: () => refusingSidecar(refusing, 'Unrecognized field "skipRefreshing": not known to this Icarus'),
      spec: () => s3({ cassandraCluster: refusing }),
      reason: 'IcarusRejected',
      succeeded: 'False',
      messageIncludes: [`${refusing}-cassandra-dc1-0`, 'answered 400', 'Unrecognized field "skipRefreshing"'],
    }),
    backup({
      name: 'Icarus answers a page that is not its API (a proxy in the way)',
      setup: () =>
        refusingSidecar(garbled, '<html><body>502 Bad Gateway</body></html>', {
          status: 201,
          contentType: 'text/html',
        }),
      spec: () => s3({ cassandraCluster: garbled }),
      reason: 'IcarusProtocolError',
      succeeded: 'False',
      messageIncludes: [`${garbled}-cassandra-dc1-0`],
    }),
    backup({
      name: 'Icarus fails the operation (minio:// unknown to its esop)',
      spec: () => s3({ storageLocation: 'minio://bad-input' }),
      reason: 'NodeFailed',
      succeeded: 'False',
      messageIncludes: [`${mainName}-cassandra-dc1-0`, 'Available storage providers: [azure, gcp, file, s3]'],
    }),
  ];
}
