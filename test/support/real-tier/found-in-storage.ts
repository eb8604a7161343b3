// What the real tier's cloud round trips check of a backup found from storage alone: a
// CassandraBackupSync of the provider's location, through the operator's own store clients against the
// real server, lists the backup (held by the CassandraBackup that took it, so nothing is imported); once
// that CassandraBackup is deleted (its data retained), the next listing imports the backup as a
// CassandraBackup of its own (spec.imported), COMPLETED with each node's tokens.
import assert from 'node:assert/strict';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorCode } from '../../../src/contract/error-code.js';
import { resourceNames, type Condition } from '../../../src/kube/api/resources.js';
import { Syncs, succeeded, type Backups } from '../custom-resources.js';
import { eventually } from '../wait.js';

const synced = (s: { status?: { conditions?: Condition[] } }) =>
  s.status?.conditions?.find((c) => c.type === 'Synced');

export async function assertFoundInStorage(opts: {
  kc: KubeConfig;
  namespace: string;
  backups: Backups;
  provider: string;
  location: string;
  secretName: string;
  /** The CassandraBackup that took it, and its full tag. */
  backup: string;
  tag: string;
  nodes: number;
}): Promise<void> {
  const { backups, namespace, backup, tag } = opts;
  const syncs = new Syncs(opts.kc, namespace);
  const name = `${opts.provider}-sync`;
  await syncs.create(name, { storageLocation: opts.location, secretName: opts.secretName });
  const listed = await syncs.waitFor(name, 'Synced', (s) => synced(s) !== undefined);
  assert.equal(synced(listed)?.status, 'True', synced(listed)?.message);
  const entry = listed.status?.backups?.find((b) => b.snapshotTag === tag);
  assert.deepEqual(
    [entry?.backup, entry?.nodes, entry?.expectedNodes, entry?.complete],
    [backup, opts.nodes, opts.nodes, true],
    JSON.stringify(listed.status?.backups),
  );
  assert.ok((entry?.files ?? 0) > 0 && (entry?.bytes ?? 0) > 0, 'files and bytes from the manifests');
  assert.equal(listed.status?.importedCount, 0, 'held by the CassandraBackup that took it');

  // The CassandraBackup goes (Retain: its data stays); listed again, the backup is imported.
  await backups.custom.deleteNamespacedCustomObject({
    ...resourceNames.CassandraBackup,
    namespace,
    name: backup,
  });
  await eventually(`${backup} gone`, () =>
    backups.get(backup).then(
      () => undefined,
      (err: unknown) => (errorCode(err) === 404 ? true : undefined),
    ),
  );
  await syncs.custom.patchNamespacedCustomObject({
    ...resourceNames.CassandraBackupSync,
    namespace,
    name,
    body: [{ op: 'replace', path: '/spec/interval', value: '2h' }],
  });
  const again = await syncs.waitFor(name, 'imported', (s) => s.status?.importedCount === 1);
  const imported = again.status?.backups?.find((b) => b.snapshotTag === tag)?.backup;
  assert.ok(imported, JSON.stringify(again.status?.backups));
  const b = await backups.waitFor(imported, 'Succeeded=True', (x) => succeeded(x) === 'True');
  assert.equal(b.spec.imported, true);
  assert.equal(b.status?.snapshotTag, tag);
  assert.equal(b.status?.nodes?.length, opts.nodes);
  for (const n of b.status?.nodes ?? []) {
    assert.match(n.initialToken ?? '', /^-?\d+(,-?\d+)+$/, `${n.hostId}: its tokens for initial_token`);
  }
}
