// The operator's backup → restore round trip on real object-storage servers, with esop 3.0.1's own
// cloud clients inside the real tier's sidecars (tools/icarus-node) next to two real Cassandra 5.0.8 nodes:
//
//   S3          versitygw v1.8.0  at https://<bucket>.s3.amazonaws.com        (AWS SDK v2 2.20.38)
//   Azure Blob  Azurite 3.35.0    at https://<account>.blob.core.windows.net  (azure-storage 8.6.6)
//   GCS         fake-gcs-server   at https://storage.googleapis.com          (google-cloud-storage 2.9.2)
//
// esop 3.x takes no endpoint for any of them (AWS_ENDPOINT is read and never used; Azure and GCS talk
// to fixed host names), so the sidecar's JVM — test-tier plumbing only, nothing the operator sends —
// gets a hosts file (`-Djdk.net.hosts.file`) mapping those names to the servers on loopback :443, a
// trust store holding the servers' self-signed certificate, and its credentials in its environment, as
// Icarus 3.x is deployed: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_REGION,
// AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY, GOOGLE_APPLICATION_CREDENTIALS (a service-account JSON whose
// token_uri is test/support/gcs-token-stub.ts: Google's client always exchanges a signed JWT for a
// token first, and fake-gcs-server has no token endpoint).
//
// For each provider: rows in two tables of two keyspaces, a CassandraBackup to the bucket → Succeeded,
// the bucket listed through the server's own API in Icarus's layout, a table created after the backup,
// the rows lost, a CassandraRestore by backup name → Succeeded, every row back, counted, and the new
// table untouched (the operator read the backup's manifests from the same server and named only its
// tables); then the rows lost again and a restore by storageLocation + snapshotTag; then the backup
// found from storage alone: a CassandraBackupSync lists it (the operator's own store clients against the
// server), and imports it once its CassandraBackup is deleted (test/support/real-tier/found-in-storage.ts).
// Needs port 443 (root): skipped otherwise. Run by `npm run test:real`.
//
// S3: esop 3.0.1 sends every PutObject (the manifest, the topology file) with
// `x-amz-storage-class: STANDARD_IA`, which Amazon S3 and versitygw accept and MinIO refuses. The round
// trip runs on versitygw with esop's requests unmodified; a second bucket, on MinIO (same keys, its
// own loopback address), pins MinIO's refusal. The operator's own manifest reader asks for
// <bucket>.s3.us-east-1.amazonaws.com, which a second versitygw gateway on the same files serves (one
// gateway takes one virtual domain). See docs/icarus.md.
//
// The set-up (servers, buckets, nodes, Secrets, operator) is test/support/real-tier/cloud-tier.ts and
// cloud-stores.ts; the round trip's checks shared with icarus2-secret.test.ts are
// test/support/real-tier/round-trip.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nodeViewsUnavailable } from '../../dev/real/node-view.js';
import { workDir } from '../storage/support.js';
import { cannotServe443 } from '../support/azure-store.js';
import { decided, succeeded } from '../support/custom-resources.js';
import { CLUSTER, CloudTier, type Provider } from '../support/real-tier/cloud-tier.js';
import {
  assertIcarusLayout,
  assertPhasesCompleted,
  assertRowsBack,
  byId,
  rowsOf as rowsOfCount,
} from '../support/real-tier/round-trip.js';
import { assertFoundInStorage } from '../support/real-tier/found-in-storage.js';
import { kubeConfig, uniqueName } from '../support/stack-env.js';

const skip = (await cannotServe443()) || (nodeViewsUnavailable() ?? false);

const TABLES = ['cloud_a.orders', 'cloud_b.events'] as const;
const ENTITIES = 'cloud_a,cloud_b';
const ROWS_PER_TABLE = 600;

// The suite, its set-up included, outlives the runner's 10-minute default: three providers with a
// backup and two restores each take about 9 minutes warm, and a cold machine first builds MinIO,
// versitygw and fake-gcs-server in the set-up (a cold CI run timed out at 10 minutes here).
describe(
  'backup → restore through the operator on real S3, Azure Blob and GCS servers',
  { skip, timeout: 30 * 60_000 },
  () => {
    const work = workDir('real-cloud');
    const tier = new CloudTier(work.dir);
    const { bucket, secrets } = tier.stores;
    const listBucket = tier.stores.list;

    let target: CloudTier['target'];
    let backups: CloudTier['backups'];
    let restores: CloudTier['restores'];

    before(async () => {
      await tier.start();
      ({ target, backups, restores } = tier);
    });

    after(async () => {
      await tier.stop();
      work.remove();
    });

    const rowsOf = (provider: Provider, table: string) => rowsOfCount(provider, table, ROWS_PER_TABLE);

    async function roundTrip(provider: Provider, location: string, secretName: string): Promise<void> {
      const t0 = Date.now();
      for (const table of TABLES) await target.putRows(table, rowsOf(provider, table));
      const backup = uniqueName(`${provider}-backup`);
      await backups.create(backup, {
        cassandraCluster: CLUSTER,
        storageLocation: location,
        secretName,
        entities: ENTITIES,
      });
      const backedUp = await backups.waitFor(backup, 'Succeeded decided', decided);
      assert.equal(succeeded(backedUp), 'True', JSON.stringify(backedUp.status));
      const tag = backedUp.status?.snapshotTag;
      assert.ok(tag, 'status.snapshotTag');
      const t1 = Date.now();

      // Icarus's layout, listed through the storage server itself: the node's folder
      // <cluster>/<dc>/<hostId>/ with data/ and manifests/<tag>.json, and topology/<tag>.json at the root.
      const keys = await listBucket(provider);
      assert.ok(keys.includes(`topology/${tag}.json`), `no topology file in ${JSON.stringify(keys)}`);
      assertIcarusLayout(keys, CLUSTER, target.nodes, tag, TABLES);

      // A table created after the backup, in a keyspace the restore selects: the restore must leave it
      // alone (Icarus, given the keyspace, would truncate it and CLEANUP would delete its rows).
      const later = `cloud_a.later_${provider}`;
      await target.putRows(later, rowsOf(provider, later).slice(0, 50));

      // A bad day: every row of both tables lost.
      for (const table of TABLES) {
        await target.loseRows(table);
        assert.equal((await target.rows(table)).length, 0);
      }

      const restore = uniqueName(`${provider}-restore`);
      await restores.create(restore, {
        cassandraCluster: CLUSTER,
        cassandraBackup: backup,
        entities: ENTITIES,
      });
      const restored = await restores.waitFor(restore, 'Succeeded decided', decided);
      assert.equal(succeeded(restored), 'True', JSON.stringify(restored.status));
      assertPhasesCompleted(restored);
      const read = await restores.waitForEvent(restore, 'BackupTablesRead', 'Normal');
      // The tables of this backup (the earlier providers' later_* tables were there when it was taken),
      // never the one created after it.
      const named = /truncates and imports only \d+: (.*)$/.exec(read.message)?.[1]?.split(',') ?? [];
      for (const table of TABLES) assert.ok(named.includes(table), `${table} in ${read.message}`);
      assert.ok(!named.includes(later), `${later} is not in the backup: ${read.message}`);
      assert.deepEqual(
        byId(await target.rows(later)),
        rowsOf(provider, later).slice(0, 50),
        `${later}, created after the backup, keeps every row`,
      );
      const counts = await assertRowsBack(target, provider, TABLES, ROWS_PER_TABLE);
      const t2 = Date.now();

      // Another bad day, and a restore that names the backup as storage does, without the resource:
      // storageLocation + snapshotTag + secretName (what a user has when the CassandraBackup is gone).
      for (const table of TABLES) await target.loseRows(table);
      const byLocation = uniqueName(`${provider}-restore-by-tag`);
      await restores.create(byLocation, {
        cassandraCluster: CLUSTER,
        storageLocation: location,
        snapshotTag: tag,
        secretName,
        entities: ENTITIES,
      });
      const again = await restores.waitFor(byLocation, 'Succeeded decided', decided);
      assert.equal(succeeded(again), 'True', JSON.stringify(again.status));
      assert.deepEqual(again.status?.source, { storageLocation: location, snapshotTag: tag, secretName });
      for (const table of TABLES) assert.deepEqual(byId(await target.rows(table)), rowsOf(provider, table));
      assert.equal((await target.rows(later)).length, 50, `${later} still keeps every row`);

      // The backup from storage alone: listed, then imported once its CassandraBackup is gone.
      await assertFoundInStorage({
        kc: kubeConfig(),
        namespace: tier.namespace,
        backups,
        provider,
        location,
        secretName,
        backup,
        tag,
        nodes: target.nodes.length,
      });
      console.log(
        `[real cloud] ${provider}: ${keys.length} objects in ${location}; rows back after each restore: ` +
          `${counts.join(', ')}; backup ${t1 - t0} ms, restore by name ${t2 - t1} ms, by location and tag ${Date.now() - t2} ms`,
      );
    }

    test('S3 on MinIO, esop 3.0.1 unmodified: MinIO refuses its STANDARD_IA uploads, and the backup fails with MinIO’s own message', async () => {
      for (const table of TABLES) await target.putRows(table, rowsOf('s3', table));
      const backup = uniqueName('s3minio-backup');
      await backups.create(backup, {
        cassandraCluster: CLUSTER,
        storageLocation: `s3://${bucket.s3Minio}`,
        secretName: 's3-credentials',
        entities: ENTITIES,
        // esop 3.x checks an S3 bucket with ListBuckets at the service name (s3.amazonaws.com), which here
        // is versitygw: MinIO answers only to its bucket's own name, so the check would find no such bucket.
        // Unchecked, as for credentials that may not list buckets (the bucket exists: made above).
        skipBucketVerification: true,
      });
      const failed = await backups.waitFor(backup, 'Succeeded decided', decided);
      assert.equal(succeeded(failed), 'False', JSON.stringify(failed.status));
      const condition = failed.status?.conditions?.find((c) => c.type === 'Succeeded');
      assert.match(String(condition?.message), /Invalid storage class\. \(Service: S3, Status Code: 400/);
      // The data files went up (multipart uploads carry no storage class); nothing that would make it
      // look like a backup did: no manifest, no topology file.
      const keys = await listBucket('s3', bucket.s3Minio);
      assert.ok(
        keys.some((k) => k.endsWith('-Data.db')),
        `no data file in ${JSON.stringify(keys)}`,
      );
      assert.deepEqual(
        keys.filter((k) => k.includes('/manifests/') || k.startsWith('topology/')),
        [],
      );
    });

    test('S3 (versitygw at https://<bucket>.s3.amazonaws.com, esop 3.0.1 unmodified): backup, layout, restores by backup name and by location + tag, a later table untouched', async () => {
      await roundTrip('s3', `s3://${bucket.s3}`, 's3-credentials');
    });

    test('Azure Blob (Azurite at https://<account>.blob.core.windows.net): backup, layout, restores by backup name and by location + tag, a later table untouched', async () => {
      await roundTrip('azure', `azure://${bucket.azure}`, 'azure-credentials');
    });

    test('GCS (fake-gcs-server at https://storage.googleapis.com): backup, layout, restores by backup name and by location + tag, a later table untouched', async () => {
      await roundTrip('gcp', `gcp://${bucket.gcp}`, 'gcp-credentials');
      // esop's Google client got its token from the service account's token_uri, by a JWT signed with
      // the account's key (the stub refuses anything else).
      assert.ok(tier.stores.tokens.issued > 0, 'no token was exchanged');
      assert.deepEqual(tier.stores.tokens.refused, []);
    });

    test('no credential is in the operator’s log', () => {
      const logs = tier.operator?.logs.join('\n') ?? '';
      for (const s of secrets) assert.ok(!logs.includes(s), 'a storage credential is in the operator log');
    });
  },
);
