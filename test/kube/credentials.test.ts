// The credentials check on the real kube-apiserver: Secrets with the right, missing or other
// providers' keys. Values are unique markers that must never appear in what the check returns or says.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { checkCredentials, requireKeysForGeneration } from '../../src/kube/credentials.js';
import { PlanError } from '../../src/kube/plan-error.js';
import { createNamespace, kubeConfig } from '../support/stack-env.js';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
let namespace: string;
const secretValues: string[] = [];
const value = () => {
  const v = `SECRET-${randomBytes(8).toString('hex')}`;
  secretValues.push(v);
  return v;
};

async function secret(name: string, keys: string[]): Promise<void> {
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name }, stringData: Object.fromEntries(keys.map((k) => [k, value()])) },
  });
}

before(async () => {
  namespace = await createNamespace(kc, 'creds');
  await secret('aws-ok', ['awsaccesskeyid', 'awssecretaccesskey', 'awsregion']);
  await secret('aws-no-region', ['awsaccesskeyid', 'awssecretaccesskey']);
  await secret('aws-half', ['awsaccesskeyid', 'awsregion']);
  await secret('azure-ok', ['azurestorageaccount', 'azurestoragekey']);
  await secret('gcp-ok', ['gcp']);
  await secret('empty', []);
});

/** Everything a check can let out: its result, or its error's message. */
async function outcome(secretName: string, location: string): Promise<string> {
  try {
    return JSON.stringify(await checkCredentials(core, namespace, secretName, location));
  } catch (err) {
    assert.ok(err instanceof PlanError, String(err));
    return `${err.reason}: ${err.message}`;
  }
}

test('a Secret with the keys of its provider passes, and only key names come back', async () => {
  assert.deepEqual(await checkCredentials(core, namespace, 'aws-ok', 's3://b'), {
    secretName: 'aws-ok',
    provider: 's3',
    keys: ['awsaccesskeyid', 'awssecretaccesskey', 'awsregion'],
  });
  assert.equal((await checkCredentials(core, namespace, 'azure-ok', 'azure://c')).provider, 'azure');
  assert.equal((await checkCredentials(core, namespace, 'gcp-ok', 'gcp://b')).provider, 'gcp');
  assert.deepEqual((await checkCredentials(core, namespace, 'empty', 'file:///backups/b')).keys, []);
  assert.deepEqual(
    (await checkCredentials(core, namespace, 'empty', 'minio://b')).keys,
    [],
    'no AWS keys: the SDK chain applies',
  );
});

test('each problem has its own reason and says what to fix', async () => {
  assert.match(
    await outcome('nope', 's3://b'),
    /^SecretNotFound: Secret nope not found in namespace .*: create it with the keys for s3/,
  );
  assert.match(
    await outcome('aws-no-region', 's3://b'),
    /^SecretMissingKeys: Secret aws-no-region lacks awsregion needed for s3$/,
  );
  assert.match(
    await outcome('aws-half', 'ceph://b'),
    /^SecretMissingKeys: Secret aws-half lacks awssecretaccesskey needed for ceph/,
  );
  assert.match(
    await outcome('aws-ok', 'azure://c'),
    /lacks azurestorageaccount, azurestoragekey needed for azure; it holds keys of another provider \(awsaccesskeyid, awssecretaccesskey, awsregion\)/,
  );
  assert.match(
    await outcome('azure-ok', 'gcp://b'),
    /lacks gcp needed for gcp; it holds keys of another provider/,
  );
  assert.match(
    await outcome('azure-ok', 's3://b'),
    /^SecretMissingKeys: Secret azure-ok lacks awsaccesskeyid, awssecretaccesskey, awsregion needed for s3; it holds keys of another provider \(azurestorageaccount, azurestoragekey\)/,
    'an Azure-only Secret for s3:// is a mistake, not the SDK default chain',
  );
  assert.match(await outcome('gcp-ok', 'minio://b'), /^SecretMissingKeys: .*lacks awsaccesskeyid/);
  assert.match(await outcome('aws-ok', 'nfs://b'), /^UnsupportedStorageProtocol:/);
});

test('no credential value ever appears in a result or a message', async () => {
  const texts: string[] = [];
  for (const name of ['aws-ok', 'aws-no-region', 'aws-half', 'azure-ok', 'gcp-ok', 'empty']) {
    for (const location of ['s3://b', 'azure://c', 'gcp://b', 'file:///x/b'])
      texts.push(await outcome(name, location));
  }
  const all = texts.join('\n');
  assert.ok(secretValues.length >= 10);
  for (const v of secretValues) assert.ok(!all.includes(v), `a secret value leaked: ${v}`);
});

test('Icarus 2.x needs the AWS keys in the Secret; 3.x may use the SDK chain', async () => {
  const keyless = await checkCredentials(core, namespace, 'empty', 's3://b');
  assert.doesNotThrow(() => requireKeysForGeneration(keyless, 3));
  assert.throws(
    () => requireKeysForGeneration(keyless, 2),
    (err) =>
      err instanceof PlanError &&
      err.reason === 'SecretMissingKeys' &&
      /lacks awsaccesskeyid, awssecretaccesskey needed for s3: the cluster's sidecars run Icarus 2\.x/.test(
        err.message,
      ),
  );
  const withKeys = await checkCredentials(core, namespace, 'aws-ok', 's3://b');
  assert.doesNotThrow(() => requireKeysForGeneration(withKeys, 2));
  const file = await checkCredentials(core, namespace, 'empty', 'file:///backups/b');
  assert.doesNotThrow(() => requireKeysForGeneration(file, 2));
});
