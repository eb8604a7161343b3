// The mode the real tier needs: each server with HTTPS on port 443 of a loopback address of its own,
// with a certificate made at start, reached under the clouds' own host names (here through the test's
// own DNS lookup; the JVM gets the same through a hosts file and a trust store). Needs root (port 443):
// skipped with the reason otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { azureBlobHostName, GCS_HOST_NAME } from '../../dev/stack/jvm-hosts.js';
import { canListen, freeLoopbackAddress } from '../../dev/stack/loopback.js';
import {
  startAzurite,
  startFakeGcs,
  startMinio,
  startVersityGw,
  type StorageServer,
  type VersityGwServer,
} from '../../dev/stack/storage-servers.js';
import { writeSelfSignedCert, type SelfSignedCert } from '../../dev/stack/tls.js';
import { loopbackLookup, text, workDir } from './support.js';

const work = workDir('storage-tls');
after(() => work.remove());

const probe = await canListen('127.0.0.1', 443);
const skip =
  probe === true || probe.code === 'EADDRINUSE'
    ? false
    : `port 443 cannot be bound here (${probe.code}): the TLS mode needs root or CAP_NET_BIND_SERVICE`;

/** One GET through an agent that trusts only `cert` and resolves names with `lookup`. */
function get(url: string, agent: Agent): Promise<{ status: number; server: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, server: String(res.headers.server ?? ''), body }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('storage servers with TLS on :443 under the clouds’ host names', { skip }, () => {
  let cert: SelfSignedCert;
  let vgw: VersityGwServer | undefined;
  const servers: StorageServer[] = [];
  after(() => Promise.all(servers.map((s) => s.stop())));
  before(() => {
    cert = writeSelfSignedCert({
      dir: join(work.dir, 'tls'),
      names: [
        's3.amazonaws.com',
        '*.s3.amazonaws.com',
        's3.us-east-1.amazonaws.com',
        '*.s3.us-east-1.amazonaws.com',
        '*.blob.core.windows.net',
        GCS_HOST_NAME,
        'localhost',
        '127.0.0.1',
      ],
      javaTrustStore: true,
    });
  });

  test('the certificate is in the Java trust store, and only it', () => {
    assert.ok(cert.trustStore);
    const listed = spawnSync(
      'keytool',
      [
        '-list',
        '-v',
        '-keystore',
        cert.trustStore.file,
        '-storetype',
        'PKCS12',
        '-storepass',
        cert.trustStore.password,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /Your keystore contains 1 entry/);
    assert.match(listed.stdout, /Entry type: trustedCertEntry/);
    assert.ok(
      listed.stdout.includes(new X509Certificate(cert.certPem).fingerprint256),
      'another certificate',
    );
  });

  test('MinIO: virtual-host-style S3 at https://<bucket>.s3.amazonaws.com, as the AWS SDK builds it without an endpoint', async () => {
    const host = await freeLoopbackAddress(443);
    const minio = await startMinio({
      workDir: work.dir,
      host,
      port: 443,
      tls: cert,
      domains: ['s3.amazonaws.com', 's3.us-east-1.amazonaws.com'],
    });
    servers.push(minio);
    assert.equal(minio.endpoint, `https://${host}:443`);
    const { lookup, asked } = loopbackLookup({ '.amazonaws.com': host });
    const s3 = new S3Client({
      region: 'us-east-1',
      credentials: minio.credentials,
      maxAttempts: 1,
      requestHandler: { httpsAgent: new Agent({ ca: cert.certPem, lookup }) },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'vhost-bucket', Key: 'cl/dc1/host/manifests/m.json', Body: '{}' }),
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      ['cl/dc1/host/manifests/m.json'],
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'cl/dc1/host/manifests/m.json' }),
    );
    assert.equal(await text(got.Body), '{}');
    s3.destroy();
    // Every request went to the bucket's own host name, none to an address outside loopback.
    assert.ok(asked.length > 0);
    for (const name of asked) assert.match(name, /^vhost-bucket\.s3(\.us-east-1)?\.amazonaws\.com$/);
  });

  test('versitygw: virtual-host-style S3 at https://<bucket>.s3.amazonaws.com, the names esop 3.x’s client asks for in us-east-1', async () => {
    const host = await freeLoopbackAddress(443);
    vgw = await startVersityGw({
      workDir: work.dir,
      host,
      port: 443,
      tls: cert,
      virtualDomain: 's3.amazonaws.com',
    });
    servers.push(vgw);
    assert.equal(vgw.endpoint, `https://${host}:443`);
    const { lookup, asked } = loopbackLookup({ '.amazonaws.com': host });
    // The JS SDK's own default for us-east-1 is <bucket>.s3.us-east-1.amazonaws.com; the Java SDK v2
    // inside esop 3.0.1 asks for the global name, and versitygw takes one virtual domain.
    const s3 = new S3Client({
      region: vgw.region,
      endpoint: 'https://s3.amazonaws.com',
      forcePathStyle: false,
      credentials: vgw.credentials,
      maxAttempts: 1,
      requestHandler: { httpsAgent: new Agent({ ca: cert.certPem, lookup }) },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'vhost-bucket',
        Key: 'cl/dc1/host/manifests/m.json',
        Body: '{}',
        StorageClass: 'STANDARD_IA',
      }),
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      ['cl/dc1/host/manifests/m.json'],
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'cl/dc1/host/manifests/m.json' }),
    );
    assert.equal(await text(got.Body), '{}');
    // The service's own name, path-style: the bucket list.
    const buckets = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(
      buckets.Buckets?.map((b) => b.Name),
      ['vhost-bucket'],
    );
    s3.destroy();
    assert.deepEqual([...new Set(asked)].sort(), ['s3.amazonaws.com', 'vhost-bucket.s3.amazonaws.com']);
    // The objects are where versitygw's posix backend puts them: a folder per bucket.
    assert.ok(existsSync(join(vgw.dataDir, 'vhost-bucket', 'cl', 'dc1', 'host', 'manifests', 'm.json')));
  });

  test('versitygw: a second gateway on the same files serves https://<bucket>.s3.us-east-1.amazonaws.com, the JS SDK’s own name', async () => {
    assert.ok(vgw, 'the test before started the first gateway');
    const host = await freeLoopbackAddress(443);
    const regional = await startVersityGw({
      workDir: work.dir,
      host,
      port: 443,
      tls: cert,
      virtualDomain: 's3.us-east-1.amazonaws.com',
      credentials: vgw.credentials,
      dataDir: vgw.dataDir,
      folder: 'versitygw-regional',
    });
    servers.push(regional);
    assert.equal(regional.dataDir, vgw.dataDir);
    assert.notEqual(regional.logFile, vgw.logFile);
    const { lookup, asked } = loopbackLookup({ '.amazonaws.com': host });
    // No endpoint: what the operator's own reader (src/storage/s3-store.ts) asks for in us-east-1.
    const s3 = new S3Client({
      region: regional.region,
      credentials: regional.credentials,
      maxAttempts: 1,
      requestHandler: { httpsAgent: new Agent({ ca: cert.certPem, lookup }) },
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      ['cl/dc1/host/manifests/m.json'],
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'cl/dc1/host/manifests/m.json' }),
    );
    assert.equal(await text(got.Body), '{}');
    s3.destroy();
    assert.deepEqual([...new Set(asked)], ['vhost-bucket.s3.us-east-1.amazonaws.com']);
  });

  test('Azurite: https://<account>.blob.core.windows.net is served for the account made at start, and only it', async () => {
    const host = await freeLoopbackAddress(443);
    const azurite = await startAzurite({ workDir: work.dir, host, port: 443, tls: cert });
    servers.push(azurite);
    const own = azureBlobHostName(azurite.accountName);
    const { lookup } = loopbackLookup({ '.blob.core.windows.net': host });
    const agent = new Agent({ ca: cert.certPem, lookup });
    // Unsigned: Azurite itself answers, having taken the account from the first label of the host.
    const known = await get(`https://${own}/?comp=list`, agent);
    assert.equal(known.status, 403, known.body);
    assert.match(known.server, /^Azurite-Blob\/3\.35\.0/);
    assert.match(known.body, /AuthorizationFailure/);
    const unknown = await get(`https://${azureBlobHostName('nosuchaccount')}/?comp=list`, agent);
    assert.equal(unknown.status, 404, unknown.body);
    agent.destroy();
  });

  test('fake-gcs-server: https://storage.googleapis.com answers the JSON API', async () => {
    const host = await freeLoopbackAddress(443);
    const gcs = await startFakeGcs({
      workDir: work.dir,
      host,
      port: 443,
      tls: cert,
      externalUrl: `https://${GCS_HOST_NAME}`,
    });
    servers.push(gcs);
    const { lookup } = loopbackLookup({ [GCS_HOST_NAME]: host });
    const agent = new Agent({ ca: cert.certPem, lookup });
    const listed = await get(`https://${GCS_HOST_NAME}/storage/v1/b?project=p`, agent);
    assert.equal(listed.status, 200, listed.body);
    assert.equal((JSON.parse(listed.body) as { kind: string }).kind, 'storage#buckets');
    agent.destroy();
  });

  test('a certificate that the client does not trust is refused (TLS is checked, not merely on)', async () => {
    const other = writeSelfSignedCert({ dir: join(work.dir, 'other-tls'), names: [GCS_HOST_NAME] });
    const gcs = servers.at(-1);
    assert.ok(gcs);
    const { lookup } = loopbackLookup({ [GCS_HOST_NAME]: gcs.host });
    const agent = new Agent({ ca: other.certPem, lookup });
    await assert.rejects(
      get(`https://${GCS_HOST_NAME}/storage/v1/b?project=p`, agent),
      /self[- ]signed|unable to verify/i,
    );
    agent.destroy();
  });
});
