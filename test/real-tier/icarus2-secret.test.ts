// The API's credentials Secret read by Icarus 2.x itself, end to end, for every provider: the real
// tier's sidecar built as Icarus 2.0.4 is (esop 2.0.4 + sidecar-common 1.3.18, tools/icarus-node with
// -Picarus-2) next to each of two real Cassandra 5.0.8 nodes behind Pods, the operator as users run it,
// and one real storage server per provider (test/support/icarus2-tier.ts, one set-up for all of them):
//
//   S3          MinIO            http://127.0.0.1:<port>, the Secret's awsendpoint   (AWS SDK v1 1.11.782)
//   Azure Blob  Azurite 3.35.0   https://<account>.blob.core.windows.net            (azure-storage 8.6.6)
//   GCS         fake-gcs-server  https://storage.googleapis.com + the token stub    (google-cloud-storage 2.9.2)
//
// The sidecars have no cloud credentials at all. Each reads the Secret named in a request through the
// kube-apiserver as its own ServiceAccount (a token-only kubeconfig, a Role that may list Secrets), in
// esop 2.x's Kubernetes client mode (-Dkubernetes.client=true; in a Pod it would use the in-cluster
// account). The Secrets are in the API's format: awsaccesskeyid, awssecretaccesskey, awsregion and
// awsendpoint (esop 2.x honours the endpoint: path-style for an IP, no TLS needed);
// azurestorageaccount and azurestoragekey; gcp, the whole service-account JSON (its key signs the JWT
// the token stub exchanges, its token_uri names the stub). esop 2.x's Azure and GCS clients take no
// endpoint, so the JVMs get a hosts file and a trust store for those two names, and no HTTP keep-alive
// (test/support/icarus2-tier.ts says why): test-tier plumbing, nothing the operator sends.
//
// Proven, per provider: the operator tells generation 2 from /version and every request on both nodes
// names the Secret (k8sNamespace + k8sSecretName, not esop's default name, which does not exist); a
// CassandraBackup → Succeeded (the three run at once, each on keyspaces of its own); each node's layout (<cluster>/<dc>/<hostId>/…) listed through the
// storage server's own API; rows damaged; a CassandraRestore with HARDLINKS (esop 2.0.4 refuses IMPORT
// on Cassandra 5) → DOWNLOAD, TRUNCATE, IMPORT, CLEANUP COMPLETED; 1,000 rows of 2 tables of 2 keyspaces
// back, counted. For S3 also: the backup with metadataDirective COPY (the default) completes, and bad
// Secrets end with a reason on the resource. No credential value (keys, the GCP private key) is in the
// operator's log, a status or an Event. Needs root (port 443, two nodes): skipped otherwise. Run by
// `npm run test:real`.
//
// MinIO and esop 2.x's metadataDirective: esop 2.x "freshens" a file that is already in the bucket by
// copying the object onto itself with x-amz-metadata-directive COPY (the default), which MinIO refuses
// ("This copy request is illegal because it is trying to copy an object to itself without changing the
// object's metadata, ..."). The operator's topology step (the same backup sent again to one node with
// uploadClusterTopology) therefore sends skipRefreshing: a first backup with COPY completes (pinned);
// a later backup of unchanged files freshens them and needs REPLACE on MinIO (docs/icarus.md).
//
// The tier is test/support/icarus2-tier.ts; a provider's rows, its backup's checks and its restore's
// round trip are test/support/icarus2-tier/round-trips.ts (with checks shared with cloud-storage.test.ts
// in test/support/real-tier/round-trip.ts), the bad Secrets and a failing backup bad-secrets.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IcarusClient } from '../../src/icarus/client.js';
import { resolveGeneration } from '../../src/icarus/generation.js';
import { nodeViewsUnavailable } from '../../dev/real/node-view.js';
import { randomToken } from '../../dev/stack/storage-servers.js';
import { resourceNames, type Condition } from '../../src/kube/api/resources.js';
import { workDir } from '../storage/support.js';
import { cannotServe443 } from '../support/azure-store.js';
import { decided, succeeded } from '../support/custom-resources.js';
import {
  CLUSTER,
  PROVIDERS,
  startIcarus2Tier,
  type Icarus2Tier,
  type Provider,
} from '../support/icarus2-tier.js';
import {
  backupsSent as backupsSentTo,
  failedBackup as failedBackupOf,
  makeBadS3Secrets,
} from '../support/icarus2-tier/bad-secrets.js';
import {
  checkBackup,
  entitiesOf,
  restoreRoundTrip as restoreRoundTripOf,
  ROWS_PER_TABLE,
  rowsOf,
  tablesOf,
} from '../support/icarus2-tier/round-trips.js';
import { uniqueName } from '../support/stack-env.js';

const skip = (await cannotServe443()) || (nodeViewsUnavailable() ?? false);
const log = (line: string) => console.log(`[icarus 2.x] ${line}`);

// About 5 minutes warm; on a cold machine the set-up first builds MinIO, Azurite and fake-gcs-server
// (minutes each), past the runner's 10-minute default.
describe(
  'Icarus 2.x reads the API’s Secret itself, on two nodes: backup → restore (HARDLINKS) on S3, Azure Blob and GCS',
  { skip, timeout: 25 * 60_000 },
  () => {
    const work = workDir('real-icarus2');
    const fileStarted = Date.now();
    let tier: Icarus2Tier;

    before(async () => {
      tier = await startIcarus2Tier(work.dir, log);
      // Bad inputs, one Secret each.
      await makeBadS3Secrets(tier);
      log(`set-up done in ${Date.now() - fileStarted} ms`);
    });

    after(async () => {
      await tier?.stop();
      work.remove();
      log(`the file took ${Date.now() - fileStarted} ms`);
    });

    /** The backup each provider's restore restores: set once it Succeeded. */
    const backedUp: Partial<Record<Provider, { name: string; tag: string }>> = {};
    const restoreRoundTrip = (provider: Provider) =>
      restoreRoundTripOf(tier, provider, backedUp[provider], log);
    const failedBackup = (secretName: string, spec?: Record<string, unknown>) =>
      failedBackupOf(tier, log, secretName, spec);
    const backupsSent = () => backupsSentTo(tier);

    test('each sidecar’s /version answers as Icarus 2.0.4’s does, and that is generation 2', async () => {
      for (const node of tier.nodes) {
        const client = new IcarusClient({ baseUrl: node.url });
        const answer = (await client.version()) as { version?: string };
        assert.equal(answer.version, 'instaclustr-icarus 2.0.4');
        assert.equal(await resolveGeneration('auto', client), 2);
      }
    });

    test('a backup to each of S3 (MinIO), Azure Blob (Azurite) and GCS (fake-gcs-server), at once, every node reading the Secret: Succeeded, each node’s layout listed through the server’s own API', async () => {
      const t0 = Date.now();
      for (const provider of PROVIDERS) {
        for (const table of tablesOf(provider)) await tier.target.putRows(table, rowsOf(provider, table));
      }
      const t1 = Date.now();
      log(`rows in: ${PROVIDERS.length} × ${2 * ROWS_PER_TABLE} in ${t1 - t0} ms`);
      // The three run together, as they would on a cluster backed up to three stores: one ring, one
      // operator, and the sidecars busy with all three.
      const outcomes = await Promise.all(
        PROVIDERS.map(async (provider) => {
          const { location, secretName } = tier.stores[provider];
          const name = uniqueName(`${provider}-backup`);
          await tier.backups.create(name, {
            cassandraCluster: CLUSTER,
            storageLocation: location,
            secretName,
            entities: entitiesOf(provider),
          });
          const done = await tier.backups.waitFor(name, 'Succeeded decided', decided);
          return { provider, name, done, ms: Date.now() - t1 };
        }),
      );
      log(`backups decided: ${outcomes.map((o) => `${o.provider} ${o.ms} ms`).join(', ')}`);
      // Each provider checked in full, and every failure named.
      const failures: string[] = [];
      for (const { provider, name, done } of outcomes) {
        try {
          assert.equal(succeeded(done), 'True', JSON.stringify(done.status));
          const tag = done.status?.snapshotTag;
          assert.ok(tag, 'status.snapshotTag');
          log(`${provider}: ${await checkBackup(tier, provider, tag)}`);
          backedUp[provider] = { name, tag };
        } catch (err) {
          failures.push(`${provider}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      assert.deepEqual(failures, []);
      // esop's Google client exchanged a JWT signed with the Secret's key at the JSON's token_uri, for
      // the scope esop 2.0.4 asks (GCPModule.java:120-121; the operator's own reader asks read-only).
      assert.ok(
        tier.tokens.scopes.includes('https://www.googleapis.com/auth/cloud-platform'),
        `no token for esop: ${JSON.stringify(tier.tokens.scopes)}`,
      );
      assert.deepEqual(tier.tokens.refused, []);
    });

    test('S3 (MinIO over plain HTTP at the Secret’s awsendpoint): rows damaged, a HARDLINKS restore brings every row back', async () => {
      await restoreRoundTrip('s3');
    });

    test('Azure Blob (Azurite at https://<account>.blob.core.windows.net, azurestorageaccount + azurestoragekey): rows damaged, a HARDLINKS restore brings every row back', async () => {
      await restoreRoundTrip('azure');
    });

    test('GCS (fake-gcs-server at https://storage.googleapis.com, gcp = the service-account JSON): rows damaged, a HARDLINKS restore brings every row back', async () => {
      await restoreRoundTrip('gcp');
    });

    test('S3: a Secret with awssecretaccesskey but no awsaccesskeyid is refused by the operator before any node works', async () => {
      const before = await backupsSent();
      const condition = await failedBackup('s3-no-key-id');
      assert.equal(condition.reason, 'SecretMissingKeys');
      assert.match(String(condition.message), /Secret s3-no-key-id lacks awsaccesskeyid needed for s3/);
      assert.equal(await backupsSent(), before, 'no node was asked');
    });

    test('S3: a Secret with no AWS keys at all is refused before any node works: Icarus 2.x has no fallback to an instance role', async () => {
      // Icarus 3.x would use the AWS SDK's own chain; esop 2.x reading a Secret insists on
      // awsaccesskeyid ("Secret … does not contain any entry with key 'awsaccesskeyid'."), so the operator,
      // knowing the generation from /version, refuses it first.
      const before = await backupsSent();
      const condition = await failedBackup('s3-no-keys');
      assert.equal(condition.reason, 'SecretMissingKeys');
      assert.match(
        String(condition.message),
        /Secret s3-no-keys lacks awsaccesskeyid, awssecretaccesskey needed for s3: the cluster's sidecars run Icarus 2\.x, which reads the Secret itself/,
      );
      assert.equal(await backupsSent(), before, 'no node was asked');
    });

    test('S3: a wrong secret key: the bucket check fails with MinIO’s refusal; unchecked, every upload fails and the backup names the files but not why', async () => {
      // The check (the default): esop 2.x asks GetBucketAcl (the SDK v1's doesBucketExistV2, which takes
      // only a 301 or an AccessDenied as "exists"); MinIO's SignatureDoesNotMatch fails it, and the
      // operation's error is that refusal, before any snapshot or upload.
      // Both at once: they are independent, and each waits out esop's retries.
      const [checked, unchecked] = await Promise.all([
        failedBackup('s3-wrong-secret-key'),
        failedBackup('s3-wrong-secret-key', { skipBucketVerification: true }),
      ]);
      // The store refused the node's credentials: StorageAccessDenied (workflows/storage-failures.ts).
      assert.equal(checked.reason, 'StorageAccessDenied');
      assert.match(
        String(checked.message),
        /: The request signature we calculated does not match the signature you provided\. Check your key and signing method\. \(Service: Amazon S3; Status Code: 403; Error Code: SignatureDoesNotMatch;/,
      );
      // Nothing in that message says the store refused anything: a plain NodeFailed.
      assert.equal(unchecked.reason, 'NodeFailed');
      assert.match(String(unchecked.message), /: Unable to upload some files successfully: data\//);
      // MinIO's answer (SignatureDoesNotMatch, 403) stays in the sidecar's log: esop 2.0.4 reports a failed
      // upload as an IOException of its own that names the files only.
      assert.doesNotMatch(String(unchecked.message), /Signature|Status Code/);
    });

    test('S3: an endpoint that refuses connections (the Secret’s awsendpoint): the bucket check cannot reach it, StorageUnreachable', async () => {
      const condition = await failedBackup('s3-unreachable');
      assert.equal(condition.reason, 'StorageUnreachable');
      assert.match(String(condition.message), /Connection refused/);
    });

    test('S3 restores the operator can judge, the nodes reading the same Secret: a bucket that does not exist (BucketNotFound) and a wrong key (StorageAccessDenied) fail before any node works', async () => {
      const restoresSent = async () =>
        (await tier.sidecarOperations('restore')).reduce((sum, { ops }) => sum + ops.length, 0);
      const before = await restoresSent();
      const missing = `cbo-icarus2-missing-${randomToken(8)}`;
      const refused = async (name: string, spec: Record<string, unknown>): Promise<Condition> => {
        await tier.restores.create(name, { cassandraCluster: CLUSTER, entities: entitiesOf('s3'), ...spec });
        const done = await tier.restores.waitFor(name, 'Succeeded decided', decided);
        assert.equal(succeeded(done), 'False', JSON.stringify(done.status));
        const condition = done.status?.conditions?.find((c) => c.type === 'Succeeded');
        assert.ok(condition);
        log(`${name}: ${condition.reason}: ${condition.message}`);
        return condition;
      };
      const [noBucket, denied] = await Promise.all([
        refused(uniqueName('icarus2-nobucket'), {
          storageLocation: `s3://${missing}`,
          snapshotTag: 'never-written',
          secretName: tier.stores.s3.secretName,
        }),
        refused(uniqueName('icarus2-denied'), {
          storageLocation: tier.stores.s3.location,
          snapshotTag: 'never-written',
          secretName: 's3-wrong-secret-key',
        }),
      ]);
      assert.equal(noBucket.reason, 'BucketNotFound');
      assert.match(String(noBucket.message), /NoSuchBucket \(HTTP 404\)/);
      assert.match(String(noBucket.message), /No node was asked to do anything/);
      assert.equal(denied.reason, 'StorageAccessDenied');
      assert.match(String(denied.message), /SignatureDoesNotMatch \(HTTP 403\)/);
      assert.equal(await restoresSent(), before, 'no node was asked');
    });

    test('no credential value (keys, the GCP private key) is in the operator’s log, a status or an Event', async () => {
      const { custom } = tier.backups;
      const list = (kind: 'CassandraBackup' | 'CassandraRestore') =>
        custom.listNamespacedCustomObject({ ...resourceNames[kind], namespace: tier.namespace });
      const seen = {
        'the operator’s log': tier.operator.logs.join('\n'),
        'a CassandraBackup': JSON.stringify(await list('CassandraBackup')),
        'a CassandraRestore': JSON.stringify(await list('CassandraRestore')),
        'an Event': JSON.stringify(
          await tier.backups.core.listNamespacedEvent({ namespace: tier.namespace }),
        ),
      };
      // Something to look in: each provider's runs are there.
      for (const provider of PROVIDERS) {
        assert.ok(seen['a CassandraBackup'].includes(tier.stores[provider].location), provider);
      }
      for (const [where, text] of Object.entries(seen)) {
        for (const value of tier.credentials) {
          assert.ok(!text.includes(value), `a storage credential is in ${where}`);
        }
      }
    });
  },
);
