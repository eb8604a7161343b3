// Events on the real kube-apiserver (src/kube/events.ts): recorded on the resource as kubectl describe
// shows them; a reason that is not CamelCase is refused.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';
import { recordEvent } from '../../src/kube/events.js';
import { createBackup } from '../support/resources.js';
import { createNamespace, kubeConfig } from '../support/stack-env.js';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const { group, version } = resourceNames.CassandraBackup;
let namespace: string;

before(async () => {
  namespace = await createNamespace(kc, 'status');
});

const backup = () => createBackup(kc, namespace);

test('Events are recorded on the resource, as kubectl shows them', async () => {
  const created = await backup();
  const name = created.metadata.name ?? '';
  const object = {
    apiVersion: `${group}/${version}`,
    kind: 'CassandraBackup',
    namespace,
    name,
    uid: created.metadata.uid ?? '',
  };
  await recordEvent(core, object, {
    type: 'Normal',
    reason: 'BackupStarted',
    message: 'backing up 3 nodes of c to s3://b',
  });
  await recordEvent(core, object, {
    type: 'Warning',
    reason: 'SecretNotFound',
    message: 'Secret s not found',
  });
  const { stdout } = await promisify(execFile)(process.env.KUBECTL ?? 'kubectl', [
    'describe',
    'cassandrabackup',
    name,
    '-n',
    namespace,
  ]);
  assert.match(stdout, /Normal\s+BackupStarted\s+.*backing up 3 nodes of c to s3:\/\/b/);
  assert.match(stdout, /Warning\s+SecretNotFound\s+.*Secret s not found/);
  await assert.rejects(
    // @ts-expect-error: not a Reason; what comes from history is checked at run time too.
    recordEvent(core, object, { type: 'Normal', reason: 'not camel', message: 'x' }),
    /CamelCase/,
  );
});
