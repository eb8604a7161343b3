// A stack of the test's own whose CRDs look like an older release's: the same group, versions, kinds,
// status subresource and printer columns as k8s/crds, but a spec that is any object (no types, no CEL
// rules, no defaults). Resources the real CRDs refuse at the API server then reach the operator, which
// must refuse them itself, with a reason and a message that name the culprit.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../../dev/stack/repo.js';
import { startOwnStack, type OwnStack } from './own-stack.js';

interface CrdVersion {
  schema?: { openAPIV3Schema?: { properties?: Record<string, unknown>; [key: string]: unknown } };
}

/** The IBM operator's CassandraCluster, as loose as the rest: the operator only reads its status.ready. */
const cassandraClusterCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'cassandraclusters.db.ibm.com' },
  spec: {
    group: 'db.ibm.com',
    scope: 'Namespaced',
    names: {
      kind: 'CassandraCluster',
      listKind: 'CassandraClusterList',
      plural: 'cassandraclusters',
      singular: 'cassandracluster',
    },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

/**
 * Writes k8s/crds' CRDs into `dir` with every version's spec schema replaced by a free-form object and
 * the rules on the whole object (which read spec fields) dropped; the status schema stays, so the
 * operator's status writes are checked as before. With `cassandraCluster`, the IBM CassandraCluster CRD too.
 */
export function writeLooseCrds(dir: string, opts: { cassandraCluster?: boolean } = {}): string[] {
  const source = join(repoRoot, 'k8s', 'crds');
  const written: string[] = [];
  for (const file of readdirSync(source).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    const crds = parseAllDocuments(readFileSync(join(source, file), 'utf8'))
      .map((d) => d.toJSON() as { kind?: string; spec?: { versions?: CrdVersion[] } })
      .filter((o) => o.kind === 'CustomResourceDefinition');
    for (const crd of crds) {
      for (const version of crd.spec?.versions ?? []) {
        const root = version.schema?.openAPIV3Schema;
        if (!root?.properties) continue;
        root.properties.spec = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        delete root['x-kubernetes-validations'];
      }
    }
    writeFileSync(join(dir, file), crds.map((c) => stringify(c)).join('---\n'));
    written.push(file);
  }
  if (opts.cassandraCluster) {
    writeFileSync(join(dir, 'db.ibm.com_cassandraclusters.yaml'), stringify(cassandraClusterCrd));
    written.push('db.ibm.com_cassandraclusters.yaml');
  }
  return written;
}

/**
 * A kube-apiserver + etcd with the loose CRDs and the operator's RBAC, made the environment's stack (see
 * own-stack.ts). Temporal is the one the test runner started, as workflows are told apart by task queue
 * and id.
 */
export async function startLooseStack(opts: { cassandraCluster?: boolean } = {}): Promise<OwnStack> {
  const crdDir = mkdtempSync(join(tmpdir(), 'cbo-loose-crds-'));
  writeLooseCrds(crdDir, opts);
  try {
    const own = await startOwnStack({ crdDir });
    return {
      ...own,
      stop: async () => {
        await own.stop();
        rmSync(crdDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(crdDir, { recursive: true, force: true });
    throw err;
  }
}
