// The CassandraBackups a CassandraBackupSync makes of the backups a location holds (spec.imported): their
// names and bodies. Pure. A backup is imported once: one already held by a CassandraBackup of the same
// location (the one that took it, or an earlier import) keeps that one. Names are the tag as a Kubernetes
// name when only one backup of the location has that tag, else the tag and the time in its name.
import type { CatalogBackup } from '../src/storage/backup-catalog.js';
import { GROUP, VERSION } from '../src/kube/api/schema.js';
import type { CassandraBackup, CassandraBackupSpec, CassandraBackupSync } from '../src/kube/api/resources.js';

/** The label that ties an imported backup to the sync that made it (kubectl get cbk -l ...). */
export const SYNC_LABEL = 'db.ibm.com/backup-sync';

/** A tag as a Kubernetes object name: lower case, letters, digits, '-' and '.', at most 253. */
export function kubeName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, 253)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'backup';
}

/** Where a location's backups are, to compare two locations: protocol, bucket and root folder. */
export type SameLocation = (storageLocation: string) => boolean;

export interface ImportPlan {
  /** The catalog backup's key (`cluster/name`) → the CassandraBackup that holds it or will. */
  names: Map<string, string>;
  /** The backups to create, in catalog order (newest first). */
  create: { key: string; name: string; backup: CatalogBackup }[];
}

export const catalogKey = (b: CatalogBackup) => `${b.cluster}/${b.name}`;

export function planImports(
  catalog: readonly CatalogBackup[],
  existing: readonly CassandraBackup[],
  sameLocation: SameLocation,
): ImportPlan {
  const names = new Map<string, string>();
  const create: ImportPlan['create'] = [];
  const taken = new Set(existing.map((b) => b.metadata.name ?? ''));
  const holders = new Map<string, string>();
  for (const b of existing) {
    if (!sameLocation(b.spec.storageLocation)) continue;
    const held = b.spec.imported ? b.spec.snapshotTag : b.status?.snapshotTag;
    if (held && b.metadata.name) holders.set(held, b.metadata.name);
  }
  const tagCount = new Map<string, number>();
  for (const b of catalog) tagCount.set(kubeName(b.tag), (tagCount.get(kubeName(b.tag)) ?? 0) + 1);
  for (const b of catalog) {
    const key = catalogKey(b);
    const holder = holders.get(b.name);
    if (holder) {
      names.set(key, holder);
      continue;
    }
    if (b.complete === false) continue;
    const millis = String(Date.parse(b.time));
    const candidates = [
      ...(tagCount.get(kubeName(b.tag)) === 1 ? [kubeName(b.tag)] : []),
      kubeName(`${b.tag}-${millis}`),
      kubeName(`${b.cluster}-${b.tag}-${millis}`),
    ];
    const name = candidates.find((c) => !taken.has(c));
    if (!name) continue;
    taken.add(name);
    names.set(key, name);
    create.push({ key, name, backup: b });
  }
  return { names, create };
}

/** A CassandraBackup as it is created: the API server fills in the spec's defaults. */
export type ImportedBackupBody = Omit<CassandraBackup, 'spec'> & { spec: Partial<CassandraBackupSpec> };

/** The imported CassandraBackup of a backup the sync found. */
export function importedBackupBody(
  sync: CassandraBackupSync,
  name: string,
  backup: CatalogBackup,
): ImportedBackupBody {
  const { namespace = '', name: syncName = '', uid = '' } = sync.metadata;
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'CassandraBackup',
    metadata: {
      name,
      namespace,
      labels: { [SYNC_LABEL]: syncName },
      ownerReferences: [
        { apiVersion: `${GROUP}/${VERSION}`, kind: 'CassandraBackupSync', name: syncName, uid },
      ],
    },
    spec: {
      cassandraCluster: sync.spec.cassandraCluster || kubeName(backup.cluster).slice(0, 63),
      storageLocation: sync.spec.storageLocation,
      secretName: sync.spec.secretName,
      snapshotTag: backup.name,
      imported: true,
      deletionPolicy: 'Retain',
      ...(sync.spec.insecure ? { insecure: true } : {}),
    },
  };
}
