import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { toolDir } from './cache.js';
import { buildOnce, haveGo } from './build-once.js';
import { repoRoot } from './repo.js';

export interface KubeTools {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  /** Where they came from, for messages. */
  source: string;
}

const wrapperDir = join(repoRoot, 'tools', 'kube');
const versionsSchema = z.object({ kubernetes: z.string(), etcd: z.string() });

/** Kubernetes and etcd versions pinned by the wrapper module in tools/kube. */
export function kubeVersions(): z.infer<typeof versionsSchema> {
  return versionsSchema.parse(JSON.parse(readFileSync(join(wrapperDir, 'versions.json'), 'utf8')));
}

const NAMES = ['kube-apiserver', 'etcd', 'kubectl'] as const;

function inDir(dir: string): KubeTools | undefined {
  try {
    for (const n of NAMES) accessSync(join(dir, n), constants.X_OK);
  } catch {
    return undefined;
  }
  return {
    kubeApiserver: join(dir, 'kube-apiserver'),
    etcd: join(dir, 'etcd'),
    kubectl: join(dir, 'kubectl'),
    source: dir,
  };
}

/**
 * kube-apiserver, etcd and kubectl: from `KUBE_BIN_DIR`, else the cache (keyed by Kubernetes version),
 * else built once from the Go module proxy through the wrapper module in tools/kube.
 */
export async function resolveKubeTools(): Promise<KubeTools> {
  const override = process.env.KUBE_BIN_DIR;
  if (override) {
    const tools = inDir(override);
    if (!tools) throw new Error(`KUBE_BIN_DIR=${override} must hold executable ${NAMES.join(', ')}.`);
    return { ...tools, source: `KUBE_BIN_DIR=${override}` };
  }
  const { kubernetes } = kubeVersions();
  const dir = toolDir('kube', kubernetes);
  const cached = inDir(dir);
  if (cached) return { ...cached, source: `cache ${dir}` };
  if (!haveGo()) {
    throw new Error(
      [
        'A Kubernetes API server is needed and none can be built here: Go is not on PATH.',
        'Fix it with one of:',
        '  - install Go 1.24 or newer (https://go.dev/doc/install); the first run then builds kube-apiserver, etcd and kubectl once (~6 min on 2 cores);',
        '  - USE_EXISTING_CLUSTER=true KUBECONFIG=/path/to/kubeconfig  to use a cluster you already have (kind, minikube, ...);',
        '  - KUBE_BIN_DIR=/dir/with/kube-apiserver+etcd+kubectl  to use binaries you already have.',
      ].join('\n'),
    );
  }
  await buildOnce({
    tool: 'go',
    title: `kube-apiserver, etcd and kubectl ${kubernetes}`,
    outDir: dir,
    binaries: [...NAMES],
    estimate: '5-10 minutes',
    steps: [
      {
        cwd: wrapperDir,
        args: ['build', '-mod=readonly', '-ldflags=-s -w', '-o', '$OUT/etcd', 'go.etcd.io/etcd/server/v3'],
      },
      {
        cwd: wrapperDir,
        args: [
          'build',
          '-mod=readonly',
          `-ldflags=-s -w ${versionLdflags(kubernetes)}`,
          '-o',
          '$OUT/',
          'k8s.io/kubernetes/cmd/kube-apiserver',
          'k8s.io/kubernetes/cmd/kubectl',
        ],
      },
    ],
  });
  const built = inDir(dir);
  if (!built) throw new Error(`building the Kubernetes tools left no binaries in ${dir}`);
  return { ...built, source: `built into ${dir}` };
}

/**
 * What Kubernetes' hack/lib/version.sh stamps into a release build: without it the binaries report
 * v0.0.0-master, which kubectl and clients show as a version skew.
 */
function versionLdflags(version: string): string {
  const [major, minor] = version.replace(/^v/, '').split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(' ');
}
