// The bucket contract: what Icarus (esop) does with `skipBucketVerification` and `createMissingBucket`,
// through the operator's own request builders, against the simulator (`npm test`) or the real sidecar
// (`npm run test:contract:real`). file:// runs on both as it is; the cloud cases use Azure Blob: the
// simulator's store, or on the real target Azurite at https://<account>.blob.core.windows.net reached by
// esop 3.0.1's own Azure client (test/support/azure-store.ts; needs port 443, skipped without it).
// What is pinned (docs/icarus.md, "Buckets"):
//   - file://: esop has every bucket (its local bucket service), the upload makes the folders;
//   - a backup checks its bucket unless skipBucketVerification: a missing one fails the operation with
//     esop's message, or is created with createMissingBucket (by every node at once on the simulator);
//   - skipBucketVerification: nothing checked, nothing created, the uploads fail;
//   - a restore phase on a missing bucket fails with esop's message whatever skipBucketVerification says.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomToken } from '../../dev/stack/storage-servers.js';
import { IcarusClient } from '../../src/icarus/client.js';
import { clusterId, restoreRequest } from '../../src/icarus/requests.js';
import type { Operation } from '../../src/icarus/types.js';
import { operationEnd } from './operation-end.js';
import { backupOnEveryNode, errorsOf } from './backup-all.js';
import { cassandraRestoreSpecSchema } from '../../src/kube/api/resources.js';
import { workDir } from '../storage/support.js';
import { cannotServe443, startAzureStore, type AzureStore } from '../support/azure-store.js';
import { realTarget, simulatorTarget, type ContractNode, type ContractTarget } from './targets.js';

const real = (process.env.ICARUS_CONTRACT_TARGET ?? 'simulator') === 'real';
const noAzure = real ? await cannotServe443() : false;

/** Cloud buckets (Azure containers) as the target's store has them. */
interface Buckets {
  location(bucket: string): string;
  create(bucket: string): Promise<void>;
  exists(bucket: string): Promise<boolean>;
  list(bucket: string): Promise<string[]>;
}

let target: ContractTarget;
let buckets: Buckets | undefined;
let azure: AzureStore | undefined;
const work = workDir('bucket-contract');
const clients = new Map<string, IcarusClient>();
const client = (node: ContractNode) => clients.get(node.url) ?? new IcarusClient({ baseUrl: node.url });

before(async () => {
  if (!real) {
    const sim = await simulatorTarget();
    target = sim;
    const storage = sim.cluster.storage;
    const walk = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
          )
        : [];
    buckets = {
      location: (b) => `azure://${b}`,
      create: (b) => Promise.resolve(storage.createBucket(`azure://${b}`)),
      exists: (b) => Promise.resolve(storage.bucketExists(`azure://${b}`)),
      list: (b) => {
        const dir = storage.bucketOf(`azure://${b}`).dir;
        return Promise.resolve(
          walk(dir)
            .map((f) => relative(dir, f))
            .sort(),
        );
      },
    };
  } else if (noAzure) {
    target = await realTarget();
  } else {
    azure = await startAzureStore(work.dir);
    const store = azure;
    target = await realTarget(store.sidecar());
    buckets = {
      location: (b) => `azure://${b}`,
      create: async (b) => {
        await store.blobs.getContainerClient(b).create();
      },
      exists: (b) => store.exists(b),
      list: (b) => store.list(b),
    };
  }
  for (const n of target.nodes) clients.set(n.url, new IcarusClient({ baseUrl: n.url }));
  await target.putRows('bkt.orders', rows);
});

after(async () => {
  await target?.stop();
  await azure?.stop();
  work.remove();
});

const rows = [
  { id: 1, v: 'one' },
  { id: 2, v: 'two' },
  { id: 3, v: 'three' },
];

const finished = (node: ContractNode, id: string, timeoutMs = 90_000): Promise<Operation> =>
  operationEnd(client(node), id, timeoutMs);

/** A backup of keyspace bkt on every node at once, as the operator sends it. */
const backupAll = (storageLocation: string, spec: Record<string, unknown> = {}) =>
  backupOnEveryNode(target, { storageLocation, entities: 'bkt', spec, timeoutMs: 90_000 });

const esopMissing = (bucket: string) =>
  `Bucket ${bucket} does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false! Can not continue!`;

test('file://: esop has every bucket, so a backup into a folder that does not exist completes and makes it', async () => {
  const dir = join(dirname(target.bucketDir), `unmade-${randomToken(8)}`);
  assert.ok(!existsSync(dir));
  const { resolvedTag, ops } = await backupAll(`file://${dir}`);
  for (const op of ops) {
    assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
    assert.equal(op.skipBucketVerification, false, 'the bucket was to be checked');
    assert.equal(op.createMissingBucket, false);
  }
  for (const node of target.nodes) {
    const manifest = join(
      dir,
      clusterId(node.cluster),
      node.dc,
      node.hostId,
      'manifests',
      `${resolvedTag}.json`,
    );
    assert.ok(existsSync(manifest), `no manifest at ${manifest}`);
  }
});

describe('cloud buckets (Azure Blob)', { skip: noAzure }, () => {
  const cloud = () => {
    if (!buckets) throw new Error('no cloud store on this target');
    return buckets;
  };

  test('a backup to a bucket that does not exist fails on every node with esop’s message, and makes none', async () => {
    const bucket = `cbo-missing-${randomToken(8)}`;
    const { ops } = await backupAll(cloud().location(bucket));
    for (const op of ops) {
      assert.equal(op.state, 'FAILED');
      assert.equal(op.progress, 1);
      assert.deepEqual(errorsOf(op), [esopMissing(bucket)]);
    }
    assert.equal(await cloud().exists(bucket), false);
  });

  test('with createMissingBucket every node checks, the bucket is made, and every node completes into it', async () => {
    const bucket = `cbo-created-${randomToken(8)}`;
    const { resolvedTag, ops } = await backupAll(cloud().location(bucket), { createMissingBucket: true });
    for (const op of ops) {
      assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
      assert.equal(op.createMissingBucket, true);
    }
    assert.equal(await cloud().exists(bucket), true);
    const objects = await cloud().list(bucket);
    for (const node of target.nodes) {
      const manifest = `${clusterId(node.cluster)}/${node.dc}/${node.hostId}/manifests/${resolvedTag}.json`;
      assert.ok(objects.includes(manifest), `no ${manifest} in ${JSON.stringify(objects)}`);
    }
  });

  test('a bucket made beforehand is checked and used; createMissingBucket changes nothing then', async () => {
    const bucket = `cbo-made-${randomToken(8)}`;
    await cloud().create(bucket);
    for (const createMissingBucket of [false, true]) {
      const { ops } = await backupAll(cloud().location(bucket), { createMissingBucket });
      for (const op of ops) assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
    }
  });

  test('with skipBucketVerification nothing is checked or made, even with createMissingBucket: the uploads fail', async () => {
    const bucket = `cbo-skipped-${randomToken(8)}`;
    const { ops } = await backupAll(cloud().location(bucket), {
      skipBucketVerification: true,
      createMissingBucket: true,
    });
    for (const op of ops) {
      assert.equal(op.state, 'FAILED');
      const [message, ...more] = errorsOf(op);
      assert.deepEqual(more, [], JSON.stringify(op.errors));
      // esop's upload tracker names the files it could not upload; the store's own words stay in its log.
      assert.match(String(message), /^Unable to upload some files successfully: \S*data\/bkt\/orders-/);
      console.log(`[${target.name}] skipBucketVerification, no bucket: ${message}`);
    }
    assert.equal(await cloud().exists(bucket), false);
  });

  test('a restore phase on a bucket that does not exist fails with esop’s message, whatever skipBucketVerification says', async () => {
    const bucket = `cbo-norestore-${randomToken(8)}`;
    for (const skipBucketVerification of [false, true]) {
      const spec = cassandraRestoreSpecSchema.parse({
        cassandraCluster: 'c',
        cassandraBackup: 'b',
        entities: 'bkt',
        skipBucketVerification,
      });
      const node = target.nodes[0] as ContractNode;
      const submitted = await client(node).submit(
        restoreRequest({
          spec,
          source: { storageLocation: cloud().location(bucket), snapshotTag: 'bkt-none' },
          node,
          phase: 'DOWNLOAD',
          dataDirs: target.dataDirs,
          cassandraDirectory: target.cassandraDirectory,
          downloadDir: target.downloadDir,
          credentials: { generation: 3 },
        }),
      );
      const op = await finished(node, submitted.id);
      assert.equal(op.state, 'FAILED');
      assert.equal(op.skipBucketVerification, skipBucketVerification);
      assert.deepEqual(errorsOf(op), [esopMissing(bucket)]);
    }
    assert.equal(await cloud().exists(bucket), false);
  });
});
