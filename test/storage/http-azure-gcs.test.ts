// The Azure Blob and Google Cloud Storage servers of the local stack (Azurite, fake-gcs-server), each
// started by this file on 127.0.0.1 (plain HTTP, a free port), driven through the official Azure SDK or
// the GCS JSON API: a container or bucket, an object put, listed and read back, and a request with a
// wrong credential refused (Azurite) or, as fake-gcs-server does, accepted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import {
  startAzurite,
  startFakeGcs,
  type AzuriteServer,
  type FakeGcsServer,
} from '../../dev/stack/storage-servers.js';
import { assertNoSecret, BODY, KEY, workDir } from './support.js';

const work = workDir('storage-http-azure-gcs');
after(() => work.remove());

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
