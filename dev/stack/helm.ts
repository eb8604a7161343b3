// The real `helm` binary, for the chart in charts/ (helm lint, helm template, helm install and upgrade
// against the local stack's kube-apiserver): built once from the Go module proxy and cached by version
// like the other Go tools, or taken from HELM_PATH on a machine without Go.
import { cachedToolPaths, resolveCachedTool, type CachedTool, type CachedToolSpec } from './cached-tool.js';

/**
 * Helm 3, the newest release the module proxy served whole on 2026-12-05 (v3.22.0 is served but not
 * approved). Its go.mod has no `replace` (go 1.26.0), so `go install module@version` takes it as it is.
 */
export const HELM_VERSION = 'v3.21.4';
/**
 * The k8s.io/client-go its go.mod requires (v0.36.2): helm's Makefile stamps Kubernetes 1.<minor> of
 * it as the version `helm template` and `helm lint` assume without a cluster (1.20 otherwise).
 */
const HELM_KUBE_MINOR = '36';

export const HELM: CachedToolSpec = {
  name: 'helm',
  cacheName: 'helm',
  version: HELM_VERSION,
  override: 'HELM_PATH',
  executable: 'helm',
  estimate: '3-6 minutes',
  build: {
    tool: 'go',
    args: [
      'install',
      // What helm's Makefile stamps into a release build: `helm version` says v3.21.4, not v3.21.
      `-ldflags=${[
        '-s -w',
        `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
        '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
        ...['helm.sh/helm/v3/pkg/lint/rules', 'helm.sh/helm/v3/pkg/chartutil'].flatMap((pkg) => [
          `-X ${pkg}.k8sVersionMajor=1`,
          `-X ${pkg}.k8sVersionMinor=${HELM_KUBE_MINOR}`,
        ]),
      ].join(' ')}`,
      `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`,
    ],
    env: { GOBIN: '$OUT' },
  },
  without: 'Go 1.26 or newer',
};

/** `helm`: `$HELM_PATH` if set, else the cached build of HELM_VERSION, else built once into the cache. */
export function resolveHelm(): Promise<CachedTool> {
  return resolveCachedTool(HELM);
}

/** Where the pinned helm is (or will be) cached. */
export const helmPaths = () => cachedToolPaths(HELM);
