// The API's credentials Secret read by Icarus 2.x itself, end to end: the real tier's sidecar built as
// Icarus 2.0.4 is (esop 2.0.4 + sidecar-common 1.3.18, tools/icarus-node with -Picarus-2) next to a real
// Cassandra 5.0.8 node behind a Pod, the operator as users run it, and MinIO (the stack's S3 server) on
// plain http://127.0.0.1:<port>.
//
// The sidecar has no cloud credentials at all. It reads the Secret named in each request through the
// kube-apiserver as its own ServiceAccount (a token-only kubeconfig, a Role that may list Secrets), in
// esop 2.x's Kubernetes client mode (-Dkubernetes.client=true; in a Pod it would use the in-cluster
// account). The Secret is in the API's format: awsaccesskeyid, awssecretaccesskey, awsregion and
// awsendpoint, which esop 2.x honours (path-style for an IP endpoint), so no hosts file or TLS is needed.
//
// Proven: the operator tells generation 2 from /version and sends k8sNamespace + k8sSecretName (a Secret
// name other than esop's default, which does not exist); a CassandraBackup to s3:// → Succeeded; the
// bucket's layout listed through MinIO's own API; rows damaged; a CassandraRestore with HARDLINKS →
// DOWNLOAD, TRUNCATE, IMPORT (hard links + loadNewSSTables) and CLEANUP COMPLETED, and every row back,
// counted; bad Secrets end with a reason on the resource. Run by `npm run test:real`.
//
// MinIO and esop 2.x's metadataDirective: esop 2.x "freshens" a file that is already in the bucket by
// copying the object onto itself with x-amz-metadata-directive COPY (the default), which MinIO refuses
// ("This copy request is illegal because it is trying to copy an object to itself without changing the
// object's metadata, ..."). The operator's topology step (the same backup sent again to one node with
// uploadClusterTopology) therefore sends skipRefreshing: a first backup with COPY completes (pinned);
// a later backup of unchanged files freshens them and needs REPLACE on MinIO (docs/icarus.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { IcarusClient } from '../../src/icarus/client.js';
import { resolveGeneration } from '../../src/icarus/generation.js';
import { randomToken, startMinio, type MinioServer } from '../../src/dev/stack/storage-servers.js';
import type { CassandraBackup, Condition } from '../../src/kube/api/resources.js';
import { realTarget, type ContractNode, type ContractTarget } from '../contract/targets.js';
import { workDir } from '../storage/support.js';
import { Backups, Restores, decided, succeeded } from '../support/custom-resources.js';
import { createRealNodePod } from '../support/real-node-pod.js';
import { sidecarKubeconfig } from '../support/sidecar-identity.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const CLUSTER = 'contract';
const TABLES = ['icarus2_a.orders', 'icarus2_b.events'] as const;
const ENTITIES = 'icarus2_a,icarus2_b';
const ROWS_PER_TABLE = 500;
/** Not esop's default (cassandra-backup-restore-secret-cluster-<cluster>): found only if the request names it. */
const SECRET = 's3-credentials';

describe('Icarus 2.x reads the API’s Secret itself: backup → restore (HARDLINKS) on S3 (MinIO)', () => {
  const work = workDir('real-icarus2');
  const secrets: string[] = [];
  let minio: MinioServer;
  let s3: S3Client;
  let target: ContractTarget;
  let node: ContractNode;
  let kc: KubeConfig;
  let namespace: string;
  let operator: OperatorProcess | undefined;
  let backups: Backups;
  let restores: Restores;
  const bucket = `cbo-icarus2-${randomToken(10)}`;
  /** For the backup with metadataDirective COPY: a bucket of its own, empty before it. */
  const copyBucket = `cbo-icarus2-copy-${randomToken(10)}`;

  before(async () => {
    const started = Date.now();
    minio = await startMinio({ workDir: work.dir });
    secrets.push(minio.credentials.secretAccessKey);
    s3 = new S3Client({
      region: minio.region,
      credentials: minio.credentials,
      endpoint: minio.endpoint,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    // Made beforehand, as a platform team does: each node checks its bucket (esop 2.x: GetBucketAcl) and
    // makes none (createMissingBucket false).
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: copyBucket }));

    kc = kubeConfig();
    namespace = await createNamespace(kc, 'real-icarus2');
    const kubeconfig = await sidecarKubeconfig(kc, namespace, work.dir);
    target = await realTarget({ generation: 2, kubeconfig });
    const first = target.nodes[0];
    if (!first) throw new Error('the real target has no node');
    node = first;
    await createRealNodePod(kc, namespace, CLUSTER, node.dc);

    const core = kc.makeApiClient(CoreV1Api);
    const secret = (name: string, stringData: Record<string, string>) =>
      core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
    const endpoint = { awsregion: minio.region, awsendpoint: minio.endpoint };
    const { accessKeyId, secretAccessKey } = minio.credentials;
    await secret(SECRET, { awsaccesskeyid: accessKeyId, awssecretaccesskey: secretAccessKey, ...endpoint });
    // Bad inputs, one Secret each.
    await secret('s3-no-key-id', { awssecretaccesskey: secretAccessKey, ...endpoint });
    await secret('s3-no-keys', endpoint);
    const wrong = randomToken(40);
    secrets.push(wrong);
    await secret('s3-wrong-secret-key', {
      awsaccesskeyid: accessKeyId,
      awssecretaccesskey: wrong,
      ...endpoint,
    });

    operator = startOperator({
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName('real-icarus2'),
      ICARUS_PORT: new URL(node.url).port,
      ICARUS_GENERATION: 'auto',
      ICARUS_POLL_INTERVAL_MS: '500',
      CASSANDRA_DATA_DIRS: target.dataDirs.join(','),
      CASSANDRA_DIRECTORY: target.cassandraDirectory,
      RESTORE_DOWNLOAD_DIR: target.downloadDir,
    });
    const logs = () => operator?.logs.slice(-40).join('\n') ?? '';
    backups = new Backups(kc, namespace, logs);
    restores = new Restores(kc, namespace, logs);
    await operator.waitForLog(/Worker running/);
    console.log(`[icarus 2.x] MinIO, Cassandra, sidecar and operator ready in ${Date.now() - started} ms`);
  });

  after(async () => {
    await operator?.stop();
    await target?.stop();
    s3?.destroy();
    await minio?.stop();
    work.remove();
  });

  /** Every object name in the bucket, through MinIO's own S3 API. */
  async function listBucket(name = bucket): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => String(o.Key)));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  }

  /** The sidecar's own record of the operations of a type (the request's fields are in it). */
  async function sidecarOperations(type: string): Promise<Record<string, unknown>[]> {
    const res = await fetch(`${node.url}/operations?type=${type}`);
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>[];
  }

  const rowsOf = (table: string) =>
    Array.from({ length: ROWS_PER_TABLE }, (_, id) => ({ id, v: `icarus2:${table}:${id}` }));
  const byId = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));

  test('the sidecar’s /version answers as Icarus 2.0.4’s does, and that is generation 2', async () => {
    const client = new IcarusClient({ baseUrl: node.url });
    const answer = (await client.version()) as { version?: string };
    assert.equal(answer.version, 'instaclustr-icarus 2.0.4');
    assert.equal(await resolveGeneration('auto', client), 2);
  });

  test('backup to s3:// with the Secret the sidecar reads, layout in MinIO, rows damaged, HARDLINKS restore brings every row back', async () => {
    const t0 = Date.now();
    for (const table of TABLES) await target.putRows(table, rowsOf(table));
    const backup = uniqueName('icarus2-backup');
    await backups.create(backup, {
      cassandraCluster: CLUSTER,
      storageLocation: `s3://${bucket}`,
      secretName: SECRET,
      entities: ENTITIES,
      // MinIO refuses esop 2.x's in-place copy with COPY (see the top of this file).
      metadataDirective: 'REPLACE',
    });
    const backedUp = await backups.waitFor(backup, 'Succeeded decided', decided);
    assert.equal(succeeded(backedUp), 'True', JSON.stringify(backedUp.status));
    const tag = backedUp.status?.snapshotTag;
    assert.ok(tag, 'status.snapshotTag');
    const t1 = Date.now();

    // Generation 2 was told from /version: every request names the Secret and its namespace, and
    // nothing else could have given the sidecar its credentials (it has none, and esop's default
    // Secret name does not exist).
    const ops = await sidecarOperations('backup');
    assert.ok(ops.length >= 2, `the node's backup and topology requests: ${JSON.stringify(ops)}`);
    for (const op of ops) {
      assert.equal(op.state, 'COMPLETED', JSON.stringify(op));
      assert.equal(op.k8sNamespace, namespace);
      assert.equal(op.k8sSecretName, SECRET);
    }

    // Icarus's layout, listed through MinIO: <cluster>/<dc>/<hostId>/{data,manifests}, topology/<tag>.json.
    const keys = await listBucket();
    const nodeDir = `${CLUSTER}/${node.dc}/${node.hostId}/`;
    assert.ok(keys.includes(`${nodeDir}manifests/${tag}.json`), `no manifest in ${JSON.stringify(keys)}`);
    assert.ok(keys.includes(`topology/${tag}.json`), `no topology file in ${JSON.stringify(keys)}`);
    for (const table of TABLES) {
      const [ks, name] = table.split('.');
      assert.ok(
        keys.some((k) => k.startsWith(`${nodeDir}data/${ks}/${name}-`) && k.endsWith('-Data.db')),
        `no Data.db of ${table} under ${nodeDir}data/ in ${JSON.stringify(keys)}`,
      );
    }
    assert.deepEqual(
      keys.filter((k) => !k.startsWith(nodeDir) && !k.startsWith('topology/')),
      [],
      'objects outside Icarus’s layout',
    );

    // A bad day: one table emptied, the other left with a fifth of its rows, all with wrong values.
    const [emptied, overwritten] = TABLES;
    await target.loseRows(emptied);
    await target.putRows(
      overwritten,
      rowsOf(overwritten)
        .slice(0, ROWS_PER_TABLE / 5)
        .map((r) => ({ ...r, v: 'damaged' })),
    );
    assert.equal((await target.rows(emptied)).length, 0);
    assert.equal((await target.rows(overwritten)).length, ROWS_PER_TABLE / 5);

    const restore = uniqueName('icarus2-restore');
    await restores.create(restore, {
      cassandraCluster: CLUSTER,
      cassandraBackup: backup,
      entities: ENTITIES,
      restorationStrategyType: 'HARDLINKS',
    });
    const restored = await restores.waitFor(restore, 'Succeeded decided', decided);
    assert.equal(succeeded(restored), 'True', JSON.stringify(restored.status));
    assert.deepEqual(
      restored.status?.phases?.map((p) => [p.name, p.state]),
      [
        ['DOWNLOAD', 'COMPLETED'],
        ['TRUNCATE', 'COMPLETED'],
        ['IMPORT', 'COMPLETED'],
        ['CLEANUP', 'COMPLETED'],
      ],
    );
    // The operator read the backup's manifests itself, from MinIO through the same Secret (its awsendpoint),
    // and named the backup's two tables to every phase.
    const read = await restores.waitForEvent(restore, 'BackupTablesRead', 'Normal');
    assert.match(read.message, /^The backup holds 2 table\(s\) \(1 manifest\(s\) read\)/);
    const phases = await sidecarOperations('restore');
    assert.deepEqual(
      phases.map((op) => [op.restorationPhase, op.restorationStrategyType, op.state]).reverse(),
      [
        ['DOWNLOAD', 'HARDLINKS', 'COMPLETED'],
        ['TRUNCATE', 'HARDLINKS', 'COMPLETED'],
        ['IMPORT', 'HARDLINKS', 'COMPLETED'],
        ['CLEANUP', 'HARDLINKS', 'COMPLETED'],
      ],
    );
    for (const op of phases) {
      assert.equal(op.k8sNamespace, namespace);
      assert.equal(op.k8sSecretName, SECRET);
    }
    const counts: string[] = [];
    for (const table of TABLES) {
      const back = byId(await target.rows(table));
      counts.push(`${table} ${back.length}`);
      assert.equal(back.length, ROWS_PER_TABLE, `${table}: rows back`);
      assert.deepEqual(back, rowsOf(table));
    }
    console.log(
      `[icarus 2.x] ${keys.length} objects in s3://${bucket}; rows back after the HARDLINKS restore: ` +
        `${counts.join(', ')}; backup ${t1 - t0} ms, restore ${Date.now() - t1} ms`,
    );
  });

  /**
   * esop's retries of one file, made short: (1 + 1) freshen attempts, each (1 + 1) copies, 1 s apart, and
   * (1 + 1) uploads (`retry.enabled: false` does not turn them off: esop 2.0.4 never reads it). The
   * defaults (3 attempts, 10 s) give the same message minutes later.
   */
  const quickRetries = { enabled: false, interval: 1, strategy: 'LINEAR', maxAttempts: 1 };

  /** A backup that fails, and the Succeeded condition it ends with. */
  async function failedBackup(secretName: string, spec: Record<string, unknown> = {}): Promise<Condition> {
    const backup = uniqueName('icarus2-bad');
    await backups.create(backup, {
      cassandraCluster: CLUSTER,
      storageLocation: `s3://${bucket}`,
      secretName,
      entities: ENTITIES,
      metadataDirective: 'REPLACE',
      retry: quickRetries,
      ...spec,
    });
    const done: CassandraBackup = await backups.waitFor(backup, 'Succeeded decided', decided);
    assert.equal(succeeded(done), 'False', JSON.stringify(done.status));
    const condition = done.status?.conditions?.find((c) => c.type === 'Succeeded');
    assert.ok(condition);
    console.log(`[icarus 2.x] ${backup} (Secret ${secretName}): ${condition.reason}: ${condition.message}`);
    return condition;
  }

  test('a Secret with awssecretaccesskey but no awsaccesskeyid is refused by the operator before any node works', async () => {
    const before = (await sidecarOperations('backup')).length;
    const condition = await failedBackup('s3-no-key-id');
    assert.equal(condition.reason, 'SecretMissingKeys');
    assert.match(String(condition.message), /Secret s3-no-key-id lacks awsaccesskeyid needed for s3/);
    assert.equal((await sidecarOperations('backup')).length, before, 'no node was asked');
  });

  test('a Secret with no AWS keys at all is refused before any node works: Icarus 2.x has no fallback to an instance role', async () => {
    // Icarus 3.x would use the AWS SDK's own chain; esop 2.x reading a Secret insists on
    // awsaccesskeyid ("Secret … does not contain any entry with key 'awsaccesskeyid'."), so the operator,
    // knowing the generation from /version, refuses it first.
    const before = (await sidecarOperations('backup')).length;
    const condition = await failedBackup('s3-no-keys');
    assert.equal(condition.reason, 'SecretMissingKeys');
    assert.match(
      String(condition.message),
      /Secret s3-no-keys lacks awsaccesskeyid, awssecretaccesskey needed for s3: the cluster's sidecars run Icarus 2\.x, which reads the Secret itself/,
    );
    assert.equal((await sidecarOperations('backup')).length, before, 'no node was asked');
  });

  test('a wrong secret key: the bucket check fails with MinIO’s refusal; unchecked, every upload fails and the backup names the files but not why', async () => {
    // The check (the default): esop 2.x asks GetBucketAcl (the SDK v1's doesBucketExistV2, which takes
    // only a 301 or an AccessDenied as "exists"); MinIO's SignatureDoesNotMatch fails it, and the
    // operation's error is that refusal, before any snapshot or upload.
    const checked = await failedBackup('s3-wrong-secret-key');
    assert.equal(checked.reason, 'NodeFailed');
    assert.match(
      String(checked.message),
      /: The request signature we calculated does not match the signature you provided\. Check your key and signing method\. \(Service: Amazon S3; Status Code: 403; Error Code: SignatureDoesNotMatch;/,
    );
    const unchecked = await failedBackup('s3-wrong-secret-key', { skipBucketVerification: true });
    assert.equal(unchecked.reason, 'NodeFailed');
    assert.match(String(unchecked.message), /: Unable to upload some files successfully: data\//);
    // MinIO's answer (SignatureDoesNotMatch, 403) stays in the sidecar's log: esop 2.0.4 reports a failed
    // upload as an IOException of its own that names the files only.
    assert.doesNotMatch(String(unchecked.message), /Signature|Status Code/);
  });

  test('metadataDirective COPY (the default) on MinIO: a first backup completes, the topology step freshening nothing again', async () => {
    const name = uniqueName('copy-backup');
    await backups.create(name, {
      cassandraCluster: CLUSTER,
      storageLocation: `s3://${copyBucket}`,
      secretName: SECRET,
      entities: ENTITIES,
      metadataDirective: 'COPY',
    });
    const done = await backups.waitFor(name, 'Succeeded decided', decided);
    assert.equal(succeeded(done), 'True', JSON.stringify(done.status));
    const keys = await listBucket(copyBucket);
    assert.ok(
      keys.some((k) => k.endsWith('-Data.db')),
      `no data file in ${JSON.stringify(keys)}`,
    );
    assert.ok(
      keys.some((k) => k.includes('/manifests/')),
      `no manifest in ${JSON.stringify(keys)}`,
    );
    assert.deepEqual(
      keys.filter((k) => k.startsWith('topology/')),
      [`topology/${done.status?.snapshotTag}.json`],
    );
  });

  test('no credential is in the operator’s log', () => {
    const logs = operator?.logs.join('\n') ?? '';
    for (const s of secrets) assert.ok(!logs.includes(s), 'a storage credential is in the operator log');
  });
});
