// The operator's read-only storage clients (src/storage) against the stack's real servers: listing past
// one page, reading, and each failure as a StorageReadError in the store's own words, never holding a
// credential. S3 through MinIO at the Secret's awsendpoint (as Icarus 2.x uses it); Azure through
// Azurite at http://<account>.blob.core.windows.net (insecure), the name mapped to Azurite by the
// stack's cloud-hosts preload. GCS needs https://storage.googleapis.com and the stack's certificate in
// Node's trust: the real tier proves it (test/real-tier/cloud-storage.test.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { canListen, freeLoopbackAddress } from '../../dev/stack/loopback.js';
import {
  startAzurite,
  startMinio,
  type AzuriteServer,
  type MinioServer,
} from '../../dev/stack/storage-servers.js';
import { freePort } from '../../src/net/free-port.js';
import { secretCredentials, type SecretCredentials } from '../../src/storage/credentials.js';
import { azureStore } from '../../src/storage/azure-store.js';
import { StorageReadError, type ObjectStore } from '../../src/storage/object-store.js';
import { s3Store } from '../../src/storage/s3-store.js';
import { workDir } from './support.js';

const work = workDir('object-stores');
after(() => work.remove());

/** What the Secret's data looks like to the API server: base64 values. */
const secret = (data: Record<string, string>): SecretCredentials =>
  secretCredentials(
    Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  );

/** The failure of a call, which must be a StorageReadError holding none of the secrets. */
async function failure(call: Promise<unknown>, secrets: string[]): Promise<StorageReadError> {
  const err = await call.then(
    () => assert.fail('the store answered'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StorageReadError, String(err));
  for (const s of secrets) assert.ok(!err.message.includes(s), 'a credential is in the error');
  return err;
}

const manifestKey = (i: number) => `c/dc1/h/manifests/snap-s-${1000 + i}.json`;

describe('S3 (MinIO at the Secret’s awsendpoint)', () => {
  let minio: MinioServer;
  let good: ObjectStore;
  before(async () => {
    minio = await startMinio({ workDir: work.dir });
    const admin = new S3Client({
      endpoint: minio.endpoint,
      region: minio.region,
      forcePathStyle: true,
      credentials: minio.credentials,
    });
    await admin.send(new CreateBucketCommand({ Bucket: 'paged' }));
    // More than one page of ListObjectsV2 (1,000 keys).
    for (let i = 0; i < 1003; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, 1003 - i) }, (_, j) =>
          admin.send(
            new PutObjectCommand({ Bucket: 'paged', Key: manifestKey(i + j), Body: `{"n":${i + j}}` }),
          ),
        ),
      );
    }
    admin.destroy();
    good = s3Store({
      protocol: 's3',
      bucket: 'paged',
      insecure: false,
      credentials: secret({
        awsaccesskeyid: minio.credentials.accessKeyId,
        awssecretaccesskey: minio.credentials.secretAccessKey,
        awsregion: minio.region,
        awsendpoint: minio.endpoint,
      }),
    });
  });
  after(async () => {
    good?.close();
    await minio?.stop();
  });

  test('lists every key past the first page, its folders a level at a time, and reads one', async () => {
    const keys = await good.list('c/dc1/h/manifests/');
    assert.equal(keys.length, 1003);
    assert.equal(await good.read(manifestKey(1002)), '{"n":1002}');
    // Folders a level at a time, as the backup catalog walks a bucket (one common prefix for 1,003 keys).
    assert.deepEqual(await good.folders(''), ['c']);
    assert.deepEqual(await good.folders('c/dc1/'), ['h']);
    assert.deepEqual(await good.folders('c/dc1/h/manifests/'), []);
  });

  test('a wrong secret key, a missing bucket and an unreachable endpoint: the store’s own words', async () => {
    const wrong = randomBytes(20).toString('hex');
    const store = (bucket: string, data: Record<string, string>) =>
      s3Store({ protocol: 's3', bucket, insecure: false, credentials: secret(data) });
    const keys = {
      awsaccesskeyid: minio.credentials.accessKeyId,
      awsregion: minio.region,
      awsendpoint: minio.endpoint,
    };
    const denied = await failure(store('paged', { ...keys, awssecretaccesskey: wrong }).list('c/'), [
      wrong,
      minio.credentials.secretAccessKey,
    ]);
    assert.equal(denied.refusal, 'denied');
    assert.match(
      denied.message,
      /^listing s3:\/\/paged\/c\/: SignatureDoesNotMatch \(HTTP 403\): The request signature we calculated does not match/,
    );

    const missing = await failure(
      store('nosuch', { ...keys, awssecretaccesskey: minio.credentials.secretAccessKey }).list('c/'),
      [minio.credentials.secretAccessKey],
    );
    assert.equal(missing.refusal, 'no-bucket');
    assert.match(missing.message, /NoSuchBucket \(HTTP 404\): The specified bucket does not exist/);

    const closed = await freePort();
    const unreachable = await failure(
      store('paged', {
        ...keys,
        awssecretaccesskey: minio.credentials.secretAccessKey,
        awsendpoint: `http://127.0.0.1:${closed}`,
      }).list('c/'),
      [minio.credentials.secretAccessKey],
    );
    assert.match(unreachable.message, /ECONNREFUSED/);
  });
});

const port80 = await canListen('127.0.0.1', 80);
describe(
  'Azure Blob (Azurite at http://<account>.blob.core.windows.net)',
  {
    skip:
      port80 === true || port80.code === 'EADDRINUSE'
        ? false
        : `port 80 cannot be bound here (${port80.code})`,
  },
  () => {
    let azurite: AzuriteServer;
    before(async () => {
      const host = await freeLoopbackAddress(80);
      azurite = await startAzurite({ workDir: work.dir, host, port: 80 });
      process.env.CBO_TEST_CLOUD_HOSTS = JSON.stringify({ '.blob.core.windows.net': host });
      const admin = new BlobServiceClient(
        azurite.blobEndpoint,
        new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
      );
      const container = admin.getContainerClient('backups');
      await container.create();
      await container.getBlockBlobClient(manifestKey(1)).upload('{"n":1}', 7);
    });
    after(async () => {
      delete process.env.CBO_TEST_CLOUD_HOSTS;
      await azurite?.stop();
    });

    test('lists and reads at the production host name; a wrong key and a missing container are StorageReadErrors', async () => {
      const store = (container: string, key: string) =>
        azureStore({
          container,
          insecure: true,
          credentials: secret({ azurestorageaccount: azurite.accountName, azurestoragekey: key }),
        });
      const good = store('backups', azurite.accountKey);
      assert.deepEqual(await good.list('c/dc1/h/manifests/'), [manifestKey(1)]);
      assert.equal(await good.read(manifestKey(1)), '{"n":1}');
      assert.deepEqual(await good.folders(''), ['c']);
      assert.deepEqual(await good.folders('c/dc1/'), ['h']);

      const wrong = randomBytes(64).toString('base64');
      const denied = await failure(store('backups', wrong).list('c/'), [wrong, azurite.accountKey]);
      assert.equal(denied.refusal, 'denied');
      assert.match(denied.message, /^listing azure:\/\/backups\/c\/: AuthorizationFailure \(HTTP 403\)/);

      const missing = await failure(store('nosuch', azurite.accountKey).list('c/'), [azurite.accountKey]);
      assert.match(missing.message, /ContainerNotFound \(HTTP 404\)/);
      assert.equal(missing.refusal, 'no-bucket');
    });
  },
);
