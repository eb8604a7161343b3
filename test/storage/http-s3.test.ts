// The two S3 servers of the local stack, each started by this file on 127.0.0.1 (plain HTTP, a free
// port), driven through the official S3 SDK: a bucket, an object put, listed and read back, and a request
// with a wrong credential refused; also the requests esop 3.0.1 sends as it sends them (docs/icarus.md):
// MinIO refuses its STANDARD_IA uploads, versitygw takes every one.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  startMinio,
  startVersityGw,
  type MinioServer,
  type S3Server,
  type VersityGwServer,
} from '../../dev/stack/storage-servers.js';
import { assertNoSecret, BODY, KEY, text, workDir } from './support.js';

const work = workDir('storage-http-s3');
after(() => work.remove());

const DATA_KEY = 'my-cluster/dc1/2f6c1a7e-0000-4000-8000-000000000001/data/ks/t-1/nb-1-big-Data.db';

/** A path-style client of an S3 server on plain HTTP. */
function s3Client(server: S3Server, credentials = server.credentials): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
}

/**
 * A manifest as esop 3.0.1 puts it (BaseS3Backuper.getPutObjectRequest): storage class STANDARD_IA,
 * a tag set, the body's SHA-256.
 */
function putLikeEsop(bucket: string): PutObjectCommand {
  return new PutObjectCommand({
    Bucket: bucket,
    Key: KEY,
    Body: BODY,
    StorageClass: 'STANDARD_IA',
    Tagging: '',
    ChecksumSHA256: createHash('sha256').update(BODY).digest('base64'),
  });
}

async function refusal(send: Promise<unknown>, what: string): Promise<S3ServiceException> {
  const err = await send.then(
    () => assert.fail(what),
    (e: unknown) => e,
  );
  assert.ok(err instanceof S3ServiceException, String(err));
  return err;
}

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

  test('an upload with storage class STANDARD_IA, as esop 3.0.1 sends its manifests, is refused: 400 InvalidStorageClass', async () => {
    const s3 = client();
    const err = await refusal(s3.send(putLikeEsop('backups')), 'MinIO accepted STANDARD_IA');
    assert.equal(err.name, 'InvalidStorageClass');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.message, 'Invalid storage class.');
    s3.destroy();
  });

  test('the root credentials are made per start and appear in neither the log nor the command line', () => {
    assert.match(minio.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assertNoSecret(minio, [minio.credentials.secretAccessKey]);
  });
});

describe('versitygw (S3 API)', () => {
  let vgw: VersityGwServer;
  before(async () => {
    vgw = await startVersityGw({ workDir: work.dir });
  });
  after(() => vgw?.stop());

  test('a bucket is created, an object put with STANDARD_IA as esop sends it, listed and read back', async () => {
    const s3 = s3Client(vgw);
    await s3.send(new CreateBucketCommand({ Bucket: 'backups' }));
    const put = await s3.send(putLikeEsop('backups'));
    assert.equal(put.ChecksumSHA256, createHash('sha256').update(BODY).digest('base64'));
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
    // Accepted, not kept: versitygw stores every object as STANDARD (Amazon S3 would answer STANDARD_IA).
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'backups', Key: KEY }));
    assert.equal(head.StorageClass, 'STANDARD');
    s3.destroy();
  });

  test('a data file as esop uploads it: multipart with SHA-256 part checksums, then its size and tags read back', async () => {
    const s3 = s3Client(vgw);
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'backups',
        Key: DATA_KEY,
        Tagging: '',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const done = [];
    for (const [i, body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: 'backups',
          Key: DATA_KEY,
          UploadId,
          PartNumber: i + 1,
          Body: body,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      done.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'backups',
        Key: DATA_KEY,
        UploadId,
        MultipartUpload: { Parts: done },
      }),
    );
    const size = parts.reduce((n, p) => n + p.length, 0);
    // esop asks for the size alone (GetObjectAttributes ObjectSize) after an upload.
    const attrs = await s3.send(
      new GetObjectAttributesCommand({ Bucket: 'backups', Key: DATA_KEY, ObjectAttributes: ['ObjectSize'] }),
    );
    assert.equal(attrs.ObjectSize, size);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'backups', Key: DATA_KEY }));
    assert.ok(got.Body, 'no body');
    assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(Buffer.concat(parts)));
    // A backup that finds the file already uploaded reads its tags (BaseS3Backuper.freshenRemoteObject).
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'backups',
        Key: DATA_KEY,
        Tagging: { TagSet: [{ Key: 'kmsKey', Value: 'none' }] },
      }),
    );
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'backups', Key: DATA_KEY }));
    assert.deepEqual(tags.TagSet, [{ Key: 'kmsKey', Value: 'none' }]);
    s3.destroy();
  });

  test('an object is refreshed by a copy onto itself with new metadata and STANDARD_IA (esop 2.x’s refresh)', async () => {
    const s3 = s3Client(vgw);
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'backups',
        Key: KEY,
        CopySource: `backups/${KEY}`,
        MetadataDirective: 'REPLACE',
        StorageClass: 'STANDARD_IA',
        Metadata: { refreshed: '1764900000000' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'backups', Key: KEY }));
    assert.deepEqual(head.Metadata, { refreshed: '1764900000000' });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'backups', Key: KEY }));
    assert.equal(await text(got.Body), BODY);
    s3.destroy();
  });

  test('a wrong secret key is refused: 403 SignatureDoesNotMatch', async () => {
    const s3 = s3Client(vgw, { ...vgw.credentials, secretAccessKey: randomBytes(20).toString('hex') });
    const err = await refusal(
      s3.send(new ListObjectsV2Command({ Bucket: 'backups' })),
      'versitygw accepted a wrong secret key',
    );
    assert.equal(err.name, 'SignatureDoesNotMatch');
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.match(
      err.message,
      /The request signature we calculated does not match the signature you provided/,
    );
    s3.destroy();
  });

  test('an unknown access key is refused: 403 InvalidAccessKeyId', async () => {
    const s3 = s3Client(vgw, {
      accessKeyId: 'nosuchkey0000000',
      secretAccessKey: randomBytes(20).toString('hex'),
    });
    const err = await refusal(
      s3.send(new ListObjectsV2Command({ Bucket: 'backups' })),
      'versitygw accepted an unknown access key',
    );
    assert.equal(err.name, 'InvalidAccessKeyId');
    assert.equal(err.$metadata.httpStatusCode, 403);
    s3.destroy();
  });

  test('the root credentials are made per start and appear in neither the log nor the command line', () => {
    assert.match(vgw.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(vgw.credentials.secretAccessKey, '');
    assertNoSecret(vgw, [vgw.credentials.secretAccessKey]);
  });
});
