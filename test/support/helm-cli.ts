// helm as the Helm chart's tests (test/deploy/helm-*.test.ts) run it: the real one (dev/stack/helm.ts:
// built once into the cache from the Go module proxy, or HELM_PATH), from the repository as a person runs
// it, against the stack's kube-apiserver, with config, cache and data folders of its own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveHelm } from '../../dev/stack/helm.js';
import { kubeVersions } from '../../dev/stack/kube-tools.js';
import { repoRoot } from '../../dev/stack/repo.js';
import { manifests, run } from './deploy.js';
import { CHART_DIR } from './helm-chart.js';

export class HelmCli {
  /** The test file's folder: helm's own folders, and the files its tests write (values, manifests). */
  readonly work = mkdtempSync(join(tmpdir(), 'cbo-helm-'));
  private path = '';
  /** Where helm came from: 'HELM_PATH', 'cache' or 'built' (dev/stack/cached-tool.ts). */
  source = '';

  /**
   * Finds helm: built once into the cache on first use, with its progress printed (npm test builds it
   * before the test files start); HELM_PATH names one instead.
   */
  resolve = async (): Promise<void> => {
    ({ path: this.path, source: this.source } = await resolveHelm());
  };

  /** helm as a person runs it from the repository, with its own config and cache folders. */
  helm = (args: string[]) =>
    run(this.path, [...args, '--kubeconfig', process.env.KUBECONFIG ?? ''], {
      cwd: repoRoot,
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(this.work, 'cache'),
        HELM_CONFIG_HOME: join(this.work, 'config'),
        HELM_DATA_HOME: join(this.work, 'data'),
      },
    });

  /** `helm template` of the chart without a cluster, for the Kubernetes version of the stack. */
  template = async (release: string, namespace: string, args: string[] = []) =>
    manifests(
      (
        await this.helm([
          'template',
          release,
          CHART_DIR,
          '-n',
          namespace,
          '--include-crds',
          '--kube-version',
          kubeVersions().kubernetes,
          ...args,
        ])
      ).stdout,
    );
}
