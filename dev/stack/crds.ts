import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  loadAllYaml,
  type KubernetesObject,
} from '@kubernetes/client-node';

/** The YAML files of `dir`, sorted by name. */
function manifestFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Server-side applies the CRDs found in `dir` and waits until each is Established. */
export async function applyCrds(kubeconfigPath: string, dir: string): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  // loadAllYaml turns JSON field names into the client's model (x-kubernetes-* → xKubernetes*); the
  // client serializes from that model, and silently drops keys it does not know.
  const crds = manifestFiles(dir)
    .flatMap((f) => loadAllYaml(readFileSync(f, 'utf8')) as KubernetesObject[])
    .filter((m) => m?.kind === 'CustomResourceDefinition');
  for (const crd of crds) {
    await objects.patch(
      crd,
      undefined,
      undefined,
      'cassandra-backup-operator-stack',
      true,
      PatchStrategy.ServerSideApply,
    );
  }
  const names = crds.map((c) => c.metadata?.name ?? '');
  for (const name of names) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const crd = await ext.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      // Established is not enough: until the watch cache of a new resource is filled, lists answer
      // 429 "storage is (re)initializing", which stops an informer.
      const version = crd.spec.versions.find((v) => v.storage)?.name;
      if (established && version && (await listable(custom, crd.spec.group, version, crd.spec.names.plural)))
        break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established and listable within 30s`);
      await sleep(100);
    }
  }
  return names;
}

async function listable(
  api: CustomObjectsApi,
  group: string,
  version: string,
  plural: string,
): Promise<boolean> {
  try {
    await api.listClusterCustomObject({ group, version, plural, limit: 1 });
    return true;
  } catch {
    return false;
  }
}
