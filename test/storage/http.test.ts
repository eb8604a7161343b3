// The three storage servers of the local stack, each started by this file on 127.0.0.1 (plain HTTP, a
// free port), driven through the official SDKs (S3, Azure Blob) or the GCS JSON API: a bucket or
// container, an object put, listed and read back, and a request with a wrong credential refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import {
  startAzurite,
  startFakeGcs,
  startMinio,
  type AzuriteServer,
  type FakeGcsServer,
  type MinioServer,
} from '../../src/dev/stack/storage-servers.js';
import { assertNoSecret, text, workDir } from './support.js';

const work = workDir('storage-http');
after(() => work.remove());

// Icarus's layout, so that the listing is the kind the round-trip tests will read.
const KEY = 'my-cluster/dc1/2f6c1a7e-0000-4000-8000-000000000001/manifests/snap-1-1764900000000.json';
const BODY = JSON.stringify({ snapshot: 'snap-1', at: 1764900000000 });

describe('MinIO (S3 API)', () => {
  let minio: MinioServer;
  const client = (
    secretAccessKey = minio.credentials.secretAccessKey,
    accessKeyId = minio.credentials.accessKeyId,
  ) =>
    new S3Client({
      endpoint: minio.endpoint,
      region: minio.region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
    });
  before(async () => {
    minio = await startMinio({ workDir: work.dir });
  });
  after(() => minio?.stop());

  test('a bucket is created, an object put, listed and read back', async () => {
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: 'backups' }));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: KEY, Body: BODY }));
    const buckets = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(
      buckets.Buckets?.map((b) => b.Name),
      ['backups'],
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'backups', Prefix: 'my-cluster/' }));
    assert.deepEqual(
      listed.Contents?.map((o) => [o.Key, o.Size]),
      [[KEY, Buffer.byteLength(BODY)]],
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'backups', Key: KEY }));
    assert.equal(await text(got.Body), BODY);
    s3.destroy();
  });

  test('a wrong secret key is refused: 403 SignatureDoesNotMatch', async () => {
    const s3 = client(randomBytes(20).toString('hex'));
    const err = await s3.send(new ListObjectsV2Command({ Bucket: 'backups' })).then(
      () => assert.fail('MinIO accepted a wrong secret key'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof S3ServiceException, String(err));
    assert.equal(err.name, 'SignatureDoesNotMatch');
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.match(
      err.message,
      /The request signature we calculated does not match the signature you provided/,
    );
    s3.destroy();
  });

  test('an unknown access key is refused: 403 InvalidAccessKeyId', async () => {
    const s3 = client(undefined, 'nosuchkey0000000');
    const err = await s3.send(new ListBucketsCommand({})).then(
      () => assert.fail('MinIO accepted an unknown access key'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof S3ServiceException, String(err));
    assert.equal(err.name, 'InvalidAccessKeyId');
    assert.equal(err.$metadata.httpStatusCode, 403);
    s3.destroy();
  });

  test('the root credentials are made per start and appear in neither the log nor the command line', () => {
    assert.match(minio.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assertNoSecret(minio, [minio.credentials.secretAccessKey]);
  });
});

describe('Azurite (Azure Blob)', () => {
  let azurite: AzuriteServer;
  const client = (key = azurite.accountKey) =>
    new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.accountName, key), {
      retryOptions: { maxTries: 1 },
    });
  before(async () => {
    azurite = await startAzurite({ workDir: work.dir });
  });
  after(() => azurite?.stop());

  test('a container is created, a blob put, listed and read back', async () => {
    const service = client();
    const container = service.getContainerClient('backups');
    await container.create();
    await container.getBlockBlobClient(KEY).upload(BODY, Buffer.byteLength(BODY));
    const containers: string[] = [];
    for await (const c of service.listContainers()) containers.push(c.name);
    assert.deepEqual(containers, ['backups']);
    const blobs: [string, number | undefined][] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'my-cluster/' }))
      blobs.push([b.name, b.properties.contentLength]);
    assert.deepEqual(blobs, [[KEY, Buffer.byteLength(BODY)]]);
    const got = await container.getBlobClient(KEY).downloadToBuffer();
    assert.equal(got.toString('utf8'), BODY);
  });

  test('a wrong account key is refused: 403', async () => {
    const err = await client(randomBytes(64).toString('base64'))
      .getContainerClient('backups')
      .exists()
      .then(
        () => assert.fail('Azurite accepted a wrong account key'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof RestError, String(err));
    assert.equal(err.statusCode, 403);
    // Azurite's code; Azure itself answers AuthenticationFailed (docs/storage-servers.md).
    assert.equal(err.code, 'AuthorizationFailure');
  });

  test('the account key is made per start and appears in neither the log nor the command line', () => {
    assert.match(azurite.accountName, /^cbo[a-z0-9]{12}$/);
    assert.equal(Buffer.from(azurite.accountKey, 'base64').length, 64);
    assertNoSecret(azurite, [azurite.accountKey]);
  });
});

describe('fake-gcs-server (Google Cloud Storage JSON API)', () => {
  let gcs: FakeGcsServer;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${gcs.endpoint}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.text() };
  };
  before(async () => {
    gcs = await startFakeGcs({ workDir: work.dir });
  });
  after(() => gcs?.stop());

  test('a bucket is created, an object put, listed and read back', async () => {
    const created = await call('/storage/v1/b?project=test-project', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'backups' }),
    });
    assert.equal(created.status, 200, created.body);
    const uploaded = await call(
      `/upload/storage/v1/b/backups/o?uploadType=media&name=${encodeURIComponent(KEY)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      },
    );
    assert.equal(uploaded.status, 200, uploaded.body);
    const buckets = await call('/storage/v1/b?project=test-project');
    assert.deepEqual(
      (JSON.parse(buckets.body) as { items?: { name: string }[] }).items?.map((b) => b.name),
      ['backups'],
    );
    const listed = await call('/storage/v1/b/backups/o?prefix=my-cluster/');
    assert.equal(listed.status, 200, listed.body);
    assert.deepEqual(
      (JSON.parse(listed.body) as { items?: { name: string; size: string }[] }).items?.map((o) => [
        o.name,
        o.size,
      ]),
      [[KEY, String(Buffer.byteLength(BODY))]],
    );
    const got = await call(`/storage/v1/b/backups/o/${encodeURIComponent(KEY)}?alt=media`);
    assert.equal(got.status, 200);
    assert.equal(got.body, BODY);
  });

  test('fake-gcs-server ignores credentials: a bogus bearer token is accepted (the real tier needs a token stub)', async () => {
    const res = await call('/storage/v1/b/backups/o', {
      headers: { authorization: 'Bearer not-a-real-token' },
    });
    // Not a check that auth works: a record that it does not, so that nobody counts on it.
    assert.equal(res.status, 200, res.body);
    assert.equal(gcs.credentials, null);
  });
});
