// The bad S3 Secrets of test/real-tier/icarus2-secret.test.ts on the Icarus 2.x tier (../icarus2-tier.ts),
// one each: no awsaccesskeyid, no keys at all, a wrong secret key, an endpoint where nothing listens; and
// a backup to S3 that fails, with esop's retries made short.
import assert from 'node:assert/strict';
import { randomToken } from '../../../dev/stack/storage-servers.js';
import { freePort } from '../../../src/net/free-port.js';
import type { CassandraBackup, Condition } from '../../../src/kube/api/resources.js';
import { decided, succeeded } from '../custom-resources.js';
import { CLUSTER, type Icarus2Tier } from '../icarus2-tier.js';
import { uniqueName } from '../stack-env.js';
import { entitiesOf } from './round-trips.js';

/** Makes the Secrets s3-no-key-id, s3-no-keys, s3-wrong-secret-key and s3-unreachable. */
export async function makeBadS3Secrets(tier: Icarus2Tier): Promise<void> {
  const endpoint = { awsregion: tier.minio.region, awsendpoint: tier.minio.endpoint };
  const { accessKeyId, secretAccessKey } = tier.minio.credentials;
  await tier.secret('s3-no-key-id', { awssecretaccesskey: secretAccessKey, ...endpoint });
  await tier.secret('s3-no-keys', endpoint);
  const wrong = randomToken(40);
  tier.credentials.push(wrong);
  await tier.secret('s3-wrong-secret-key', {
    awsaccesskeyid: accessKeyId,
    awssecretaccesskey: wrong,
    ...endpoint,
  });
  // An endpoint where nothing listens: a port taken from the system and given back.
  await tier.secret('s3-unreachable', {
    awsaccesskeyid: accessKeyId,
    awssecretaccesskey: secretAccessKey,
    awsregion: tier.minio.region,
    awsendpoint: `http://127.0.0.1:${await freePort('127.0.0.1')}`,
  });
}

/**
 * esop's retries of one file, made short: (1 + 1) freshen attempts, each (1 + 1) copies, 1 s apart, and
 * (1 + 1) uploads (`retry.enabled: false` does not turn them off: esop 2.0.4 never reads it). The
 * defaults (3 attempts, 10 s) give the same message minutes later.
 */
const quickRetries = { enabled: false, interval: 1, strategy: 'LINEAR', maxAttempts: 1 };

/** A backup to S3 that fails, and the Succeeded condition it ends with. */
export async function failedBackup(
  tier: Icarus2Tier,
  log: (line: string) => void,
  secretName: string,
  spec: Record<string, unknown> = {},
): Promise<Condition> {
  const backup = uniqueName('icarus2-bad');
  await tier.backups.create(backup, {
    cassandraCluster: CLUSTER,
    storageLocation: tier.stores.s3.location,
    secretName,
    entities: entitiesOf('s3'),
    metadataDirective: 'REPLACE',
    retry: quickRetries,
    ...spec,
  });
  const done: CassandraBackup = await tier.backups.waitFor(backup, 'Succeeded decided', decided);
  assert.equal(succeeded(done), 'False', JSON.stringify(done.status));
  const condition = done.status?.conditions?.find((c) => c.type === 'Succeeded');
  assert.ok(condition);
  log(`${backup} (Secret ${secretName}): ${condition.reason}: ${condition.message}`);
  return condition;
}

/** How many backup requests the nodes' sidecars received, all told. */
export const backupsSent = async (tier: Icarus2Tier) =>
  (await tier.sidecarOperations('backup')).reduce((sum, { ops }) => sum + ops.length, 0);
