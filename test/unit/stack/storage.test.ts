import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  azureBlobHostName,
  GCS_HOST_NAME,
  namesIn,
  renderHostsFile,
  s3BucketHostName,
  s3HostNames,
} from '../../../dev/stack/jvm-hosts.js';
import { assertLoopback } from '../../../dev/stack/loopback.js';
import { randomToken } from '../../../dev/stack/storage-servers.js';
import {
  AZURITE_VERSION,
  FAKE_GCS_SERVER_VERSION,
  MINIO_VERSION,
  resolveStorageTool,
  VERSITYGW_VERSION,
  storageToolPaths,
} from '../../../dev/stack/storage-tools.js';
import { subjectAltName } from '../../../dev/stack/tls.js';

const BASE = '127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n127.0.1.1 vm # this machine\n';

test('the JVM hosts file keeps /etc/hosts first and adds one line per address', () => {
  const text = renderHostsFile(BASE, [
    { address: '127.0.10.3', names: s3HostNames(['bkt-a', 'bkt-b']) },
    { address: '127.0.10.1', names: [azureBlobHostName('myacct')] },
    { address: '127.0.10.2', names: [GCS_HOST_NAME] },
  ]);
  assert.ok(text.startsWith(BASE), 'the machine hosts come first: localhost keeps its reverse name');
  const names = namesIn(text);
  assert.equal(names.get('localhost'), '127.0.0.1');
  assert.equal(names.get('vm'), '127.0.1.1');
  assert.equal(names.get('s3.amazonaws.com'), '127.0.10.3');
  assert.equal(names.get('bkt-b.s3.amazonaws.com'), '127.0.10.3');
  assert.equal(names.get('myacct.blob.core.windows.net'), '127.0.10.1');
  assert.equal(names.get('storage.googleapis.com'), '127.0.10.2');
  assert.match(
    text,
    /^127\.0\.10\.3 s3\.amazonaws\.com bkt-a\.s3\.amazonaws\.com bkt-b\.s3\.amazonaws\.com$/m,
  );
  assert.ok(text.endsWith('\n'));
});

test('S3 host names follow the region: the global name for us-east-1, the regional one elsewhere', () => {
  assert.deepEqual(s3HostNames(['b'], 'us-east-1'), ['s3.amazonaws.com', 'b.s3.amazonaws.com']);
  assert.deepEqual(s3HostNames(['b'], 'eu-west-1'), [
    's3.eu-west-1.amazonaws.com',
    'b.s3.eu-west-1.amazonaws.com',
  ]);
  assert.equal(s3BucketHostName('b'), 'b.s3.amazonaws.com');
  assert.equal(s3BucketHostName('b', 'eu-west-1'), 'b.s3.eu-west-1.amazonaws.com');
});

test('the hosts file refuses what the JVM would get wrong', () => {
  assert.throws(
    () => renderHostsFile(BASE, [{ address: '127.0.10.1', names: ['*.blob.core.windows.net'] }]),
    /not a host name/,
  );
  assert.throws(
    () => renderHostsFile(BASE, [{ address: '10.0.0.1', names: ['a.example'] }]),
    /loopback only/,
  );
  assert.throws(
    () => renderHostsFile(BASE, [{ address: '127.0.10.1', names: ['localhost'] }]),
    /mapped to 127\.0\.0\.1/,
  );
  assert.throws(
    () =>
      renderHostsFile(BASE, [
        { address: '127.0.10.1', names: ['x.example'] },
        { address: '127.0.10.2', names: ['X.example'] },
      ]),
    /mapped to 127\.0\.10\.1/,
  );
  // The same name twice for the same address is written once.
  const text = renderHostsFile(BASE, [{ address: '127.0.10.1', names: ['x.example', 'x.example'] }]);
  assert.equal(text.match(/x\.example/g)?.length, 1);
});

test('only loopback addresses are accepted', () => {
  for (const ok of ['127.0.0.1', '127.0.10.3', '127.255.255.254'])
    assert.doesNotThrow(() => assertLoopback(ok));
  for (const bad of ['0.0.0.0', '10.1.2.3', 'localhost', '::1', '127.0.0.256', '127.1'])
    assert.throws(() => assertLoopback(bad), /loopback only/, bad);
});

test('certificate names: DNS names and IP addresses', () => {
  assert.equal(
    subjectAltName(['*.s3.amazonaws.com', '127.0.0.1', 'localhost']),
    'DNS:*.s3.amazonaws.com,IP:127.0.0.1,DNS:localhost',
  );
  assert.throws(() => subjectAltName([]), /at least one/);
});

test('storage tools are cached in a folder per pinned version', () => {
  const saved = process.env.CBO_CACHE_DIR;
  process.env.CBO_CACHE_DIR = '/cache-root';
  try {
    assert.deepEqual(storageToolPaths('minio'), {
      dir: `/cache-root/tools/minio-${MINIO_VERSION}`,
      executable: `/cache-root/tools/minio-${MINIO_VERSION}/minio`,
    });
    assert.equal(
      storageToolPaths('versitygw').executable,
      `/cache-root/tools/versitygw-${VERSITYGW_VERSION}/versitygw`,
    );
    assert.equal(
      storageToolPaths('fake-gcs-server').executable,
      `/cache-root/tools/fake-gcs-server-${FAKE_GCS_SERVER_VERSION}/fake-gcs-server`,
    );
    assert.equal(
      storageToolPaths('azurite').executable,
      join(`/cache-root/tools/azurite-${AZURITE_VERSION}`, 'node_modules', '.bin', 'azurite-blob'),
    );
    assert.match(MINIO_VERSION, /^v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
  } finally {
    if (saved === undefined) delete process.env.CBO_CACHE_DIR;
    else process.env.CBO_CACHE_DIR = saved;
  }
});

test('an override that is no executable is refused with the variable named, before any build', async () => {
  const saved = process.env.MINIO_PATH;
  process.env.MINIO_PATH = '/nonexistent/minio';
  try {
    await assert.rejects(resolveStorageTool('minio'), /MINIO_PATH=\/nonexistent\/minio is not an executable/);
  } finally {
    if (saved === undefined) delete process.env.MINIO_PATH;
    else process.env.MINIO_PATH = saved;
  }
});

test('random tokens are letters and digits of the asked length, and differ', () => {
  const a = randomToken(40);
  assert.match(a, /^[a-z0-9]{40}$/);
  assert.notEqual(a, randomToken(40));
});
