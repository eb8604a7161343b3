// The storage-access contract: what Icarus (esop) answers when a node's credentials are refused by its
// store, or the store's endpoint cannot be reached, through the operator's own request builders, against
// the simulator (`npm test`) or the real sidecar (`npm run test:contract:real`): esop 3.0.1's own Azure
// client and Azurite at https://<account>.blob.core.windows.net (test/support/azure-store.ts; needs port
// 443, skipped without it). The simulator mirrors these words (dev/icarus-simulator/storage-access.ts),
// and the operator gives each its reason (docs/troubleshooting.md).
//   - wrong account key: a backup's bucket check fails with the store's refusal; a restore phase with
//     esop's `Unable to determine if the bucket <b> exists.` (Icarus's restore coordinator wraps the
//     store's words twice, and the operation keeps one level of cause);
//   - endpoint refusing connections (the account's name resolving to an address where nothing listens):
//     the backup fails with the HTTP client's `Connection refused`, after the Azure client's own retries
//     (about two minutes: azure-storage 8.6.6's default exponential retry, not configurable from
//     outside esop), so only the backup is pinned here; a restore phase says what it says for a wrong
//     key (the same wrapping, seen on the real tier).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomToken } from '../../dev/stack/storage-servers.js';
import { azureBlobHostName, renderHostsFile } from '../../dev/stack/jvm-hosts.js';
import { IcarusClient } from '../../src/icarus/client.js';
import { restoreRequest } from '../../src/icarus/requests.js';
import type { SimulatedCluster } from '../../dev/icarus-simulator/cluster.js';
import type { StorageAccess } from '../../dev/icarus-simulator/storage-access.js';
import type { Operation } from '../../src/icarus/types.js';
import { cassandraRestoreSpecSchema } from '../../src/kube/api/resources.js';
import { workDir } from '../storage/support.js';
import { cannotServe443, startAzureStore, type AzureStore } from '../support/azure-store.js';
import { operationEnd } from './operation-end.js';
import { backupOnEveryNode, errorsOf } from './backup-all.js';
import { realTarget, simulatorTarget, type ContractNode, type ContractTarget } from './targets.js';

const real = (process.env.ICARUS_CONTRACT_TARGET ?? 'simulator') === 'real';
const skip = real ? await cannotServe443() : false;

describe('storage access (Azure Blob): refused credentials and an unreachable endpoint', { skip }, () => {
  let target: ContractTarget;
  let azure: AzureStore | undefined;
  let sim: SimulatedCluster | undefined;
  const work = workDir('storage-access');
  const client = (node: ContractNode) => new IcarusClient({ baseUrl: node.url });
  const container = `cbo-access-${randomToken(8)}`;
  const location = `azure://${container}`;
  let tag = '';

  /** Every node's sidecar made to meet its store this way (real: started again with that environment). */
  async function access(kind: Exclude<StorageAccess, 'granted'>): Promise<void> {
    if (sim) {
      for (const node of sim.nodes) node.storageAccess = { azure: kind };
      return;
    }
    const store = azure;
    if (!store || !target.restartSidecar) throw new Error('the real target has no Azure store');
    if (kind === 'credentials-refused') {
      // A key the account never had (what a rotated key the sidecar never got does).
      return target.restartSidecar(store.sidecar({ AZURE_STORAGE_KEY: randomBytes(64).toString('base64') }));
    }
    // The account's name resolves to a loopback address where nothing listens on 443.
    const hostsFile = join(work.dir, 'unreachable-hosts');
    writeFileSync(
      hostsFile,
      renderHostsFile(readFileSync('/etc/hosts', 'utf8'), [
        { address: '127.0.0.77', names: [azureBlobHostName(store.azurite.accountName)] },
      ]),
    );
    const base = store.sidecar();
    return target.restartSidecar({
      ...base,
      jvmArgs: (base.jvmArgs ?? []).map((a) =>
        a.startsWith('-Djdk.net.hosts.file=') ? `-Djdk.net.hosts.file=${hostsFile}` : a,
      ),
    });
  }

  before(async () => {
    if (real) {
      azure = await startAzureStore(work.dir);
      target = await realTarget(azure.sidecar());
      await azure.blobs.getContainerClient(container).create();
    } else {
      const simulated = await simulatorTarget();
      sim = simulated.cluster;
      target = simulated;
      sim.storage.createBucket(location);
    }
    await target.putRows('acc.orders', [
      { id: 1, v: 'one' },
      { id: 2, v: 'two' },
    ]);
    // The control: with its own credentials every node backs up, and a restore phase downloads.
    const ops = await backup();
    for (const op of ops) assert.equal(op.state, 'COMPLETED', JSON.stringify(op.errors));
    const restore = await download();
    assert.equal(restore.state, 'COMPLETED', JSON.stringify(restore.errors));
  });

  after(async () => {
    await target?.stop();
    await azure?.stop();
    work.remove();
  });

  /** A backup of keyspace acc on every node at once, as the operator sends it; the first one's tag is kept. */
  async function backup(spec: Record<string, unknown> = {}): Promise<Operation[]> {
    // The Azure client's retries of an unreachable endpoint take about two minutes.
    const { resolvedTag, ops } = await backupOnEveryNode(target, {
      storageLocation: location,
      entities: 'acc',
      spec,
      timeoutMs: 300_000,
    });
    tag ||= resolvedTag;
    return ops;
  }

  /** The first restore phase of the first backup on one node. */
  async function download(): Promise<Operation> {
    const node = target.nodes[0] as ContractNode;
    const spec = cassandraRestoreSpecSchema.parse({
      cassandraCluster: 'c',
      cassandraBackup: 'b',
      entities: 'acc',
    });
    const op = await client(node).submit(
      restoreRequest({
        spec,
        source: { storageLocation: location, snapshotTag: tag },
        node,
        phase: 'DOWNLOAD',
        dataDirs: target.dataDirs,
        cassandraDirectory: target.cassandraDirectory,
        downloadDir: target.downloadDir,
        credentials: { generation: 3 },
      }),
    );
    return operationEnd(client(node), op.id, 300_000);
  }

  test('a wrong account key: the backup fails with the store’s refusal, or, skipping the check, its uploads naming the files; a restore phase with esop’s “Unable to determine …”', async () => {
    await access('credentials-refused');
    // Checked and unchecked at once: independent operations, and the unchecked one waits out esop's
    // upload retries.
    const [checked, unchecked] = await Promise.all([backup(), backup({ skipBucketVerification: true })]);
    for (const op of checked) {
      assert.equal(op.state, 'FAILED');
      assert.deepEqual(errorsOf(op), [
        'Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.',
      ]);
    }
    for (const op of unchecked) {
      assert.equal(op.state, 'FAILED');
      const [message, ...more] = errorsOf(op);
      assert.deepEqual(more, [], JSON.stringify(op.errors));
      assert.match(String(message), /^Unable to upload some files successfully: \S*data\/acc\/orders-/);
    }
    const restore = await download();
    assert.equal(restore.state, 'FAILED');
    assert.deepEqual(errorsOf(restore), [`Unable to determine if the bucket ${container} exists.`]);
  });

  test('an endpoint refusing connections: the backup fails with “Connection refused”', async () => {
    await access('unreachable');
    for (const op of await backup()) {
      assert.equal(op.state, 'FAILED');
      assert.deepEqual(errorsOf(op), ['An unknown failure occurred : Connection refused']);
    }
  });
});
