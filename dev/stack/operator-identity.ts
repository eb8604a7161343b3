// The operator's own identity on the local stack: the Namespace, ServiceAccount, ClusterRole and
// ClusterRoleBinding of k8s/deploy (the RBAC a cluster install gets), and a kubeconfig that holds nothing
// but a token of that ServiceAccount. The test runner hands it to every operator process the tests start,
// so an API call the RBAC does not grant fails the test that needs it.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { KubeServer } from './kube-server.js';
import { repoRoot } from './repo.js';

const run = promisify(execFile);
const IDENTITY_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);

/** Applies the operator's RBAC and returns the path of its token-only kubeconfig; undefined on an existing cluster. */
export async function operatorKubeconfig(kube: KubeServer, workDir: string): Promise<string | undefined> {
  const kubectlPath = kube.kubectl;
  if (!kubectlPath) return undefined;
  const kubectl = (...args: string[]) =>
    run(kubectlPath, ['--kubeconfig', kube.kubeconfigPath, ...args], { cwd: repoRoot });
  const rendered = (await kubectl('kustomize', 'k8s/deploy')).stdout;
  const docs = parseAllDocuments(rendered)
    .map((d) => d.toJSON() as { kind?: string; metadata?: { name?: string; namespace?: string } })
    .filter((o) => IDENTITY_KINDS.has(o.kind ?? ''));
  const account = docs.find((o) => o.kind === 'ServiceAccount')?.metadata;
  if (!account?.name || !account.namespace) throw new Error('k8s/deploy renders no ServiceAccount');
  const manifest = join(workDir, 'operator-identity.yaml');
  writeFileSync(manifest, docs.map((d) => stringify(d)).join('---\n'));
  await kubectl('apply', '--server-side', '-f', manifest);
  const token = (
    await kubectl('create', 'token', account.name, '-n', account.namespace, '--duration=24h')
  ).stdout.trim();
  const path = join(workDir, 'operator-kubeconfig');
  writeTokenKubeconfig(kube.kubeconfigPath, token, path);
  return path;
}

/** Writes `kubeconfig` to `path` with every user's credentials replaced by `token` (same server and CA). */
export function writeTokenKubeconfig(kubeconfig: string, token: string, path: string): void {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as {
    users: { name: string; user: Record<string, string> }[];
  };
  config.users = config.users.map((u) => ({ name: u.name, user: { token } }));
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
