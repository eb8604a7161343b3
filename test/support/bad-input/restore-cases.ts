// The bad-input cases of restores: neither a backup nor a location; a backup that does not exist, failed
// or was cancelled; a protocol, a dc or a rename the operator refuses; one dc of two, whose TRUNCATE would
// empty the other; a timeout of 0.
import { cancelSignal } from '../../../workflows/signals.js';
import { succeeded } from '../custom-resources.js';
import { name, restore, s3Spec, type Case } from './case.js';
import type { BadInputWorld } from './world.js';

export function restoreCases(world: BadInputWorld): Case[] {
  const { backups, temporal, deadCluster, simulated, waitForState } = world;
  const s3 = s3Spec(world.mainName);
  const twoDc = name('two-dc');
  const deadA = name('dead-a');
  const deadB = name('dead-b');
  const failedBackup = name('doomed');
  const cancelledBackup = name('stopped');

  return [
    // Restores
    restore({
      name: 'neither a backup nor a location',
      spec: () => ({ cassandraCluster: name('ghost') }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['set spec.cassandraBackup, or all three of spec.storageLocation'],
    }),
    restore({
      name: 'backup that does not exist',
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: 'no-such-backup' }),
      reason: 'CassandraBackupNotFound',
      succeeded: 'Unknown',
      messageIncludes: ['CassandraBackup no-such-backup does not exist'],
    }),
    restore({
      name: 'backup that failed',
      setup: async () => {
        await backups.create(failedBackup, s3({ storageLocation: 's3://bucket/one/two' }));
        await waitForState('CassandraBackup', failedBackup, 'FAILED', (b) => succeeded(b) === 'False');
      },
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: failedBackup }),
      reason: 'CassandraBackupFailed',
      succeeded: 'Unknown',
      messageIncludes: [`CassandraBackup ${failedBackup} failed`, 'storageLocation s3://bucket/one/two'],
    }),
    restore({
      name: 'backup that was cancelled',
      setup: async () => {
        await backups.create(cancelledBackup, s3({ secretName: 'never-created' }));
        const waiting = await waitForState(
          'CassandraBackup',
          cancelledBackup,
          'waiting for its Secret',
          (b) =>
            Boolean(b.status?.workflowId && b.status.conditions?.some((c) => c.reason === 'SecretNotFound')),
        );
        await temporal?.client.workflow
          .getHandle(waiting.status?.workflowId ?? '')
          .signal(cancelSignal, { reason: 'test' });
        await waitForState(
          'CassandraBackup',
          cancelledBackup,
          'CANCELLED',
          (b) => b.status?.state === 'CANCELLED',
        );
      },
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: cancelledBackup }),
      reason: 'CassandraBackupCancelled',
      succeeded: 'Unknown',
      messageIncludes: [`CassandraBackup ${cancelledBackup} was cancelled`],
    }),
    restore({
      name: 'unknown protocol ftp:// (restore)',
      setup: () => deadCluster(deadA),
      spec: () => ({
        cassandraCluster: deadA,
        storageLocation: 'ftp://bucket',
        snapshotTag: 'nightly',
        secretName: 'creds',
      }),
      reason: 'UnsupportedStorageProtocol',
      succeeded: 'False',
      messageIncludes: ['storageLocation ftp://bucket has no supported protocol'],
    }),
    restore({
      name: 'dc list naming a dc the cluster lacks',
      setup: () => deadCluster(deadB),
      spec: () => ({
        cassandraCluster: deadB,
        storageLocation: 's3://bad-input',
        snapshotTag: 'nightly',
        secretName: 'creds',
        dc: 'dc1,dc7',
      }),
      reason: 'UnknownDatacenter',
      succeeded: 'False',
      messageIncludes: [`dc7 not found in cluster ${deadB}; it has dc1`],
    }),
    restore({
      name: 'one dc of two (TRUNCATE is cluster-wide)',
      setup: () => simulated(twoDc, { dc1: 1, dc2: 1 }).then(() => undefined),
      spec: () => ({
        cassandraCluster: twoDc,
        storageLocation: 's3://bad-input',
        snapshotTag: 'nightly',
        secretName: 'creds',
        dc: 'dc1',
      }),
      reason: 'TruncateAffectsOtherDatacenters',
      succeeded: 'False',
      messageIncludes: ['spec.dc restores only dc1', 'dc2 would lose their rows'],
    }),
    restore({
      name: 'timeout 0 (restore)',
      spec: () => ({ cassandraCluster: name('ghost'), cassandraBackup: 'any', timeout: 0 }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ['spec.timeout'],
    }),
    restore({
      name: 'rename to something not a table',
      spec: () => ({
        cassandraCluster: name('ghost'),
        cassandraBackup: 'any',
        rename: { 'shop.orders': 'orders' },
      }),
      reason: 'InvalidSpec',
      succeeded: 'False',
      messageIncludes: ["spec.rename: rename maps 'keyspace.table' to 'keyspace.table'"],
    }),
  ];
}
