// kubectl as users run it, against the test stack's API server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `kubectl -n <namespace> <args…>` with the stack's kubeconfig. */
async function kubectl(namespace: string, ...args: string[]): Promise<void> {
  await run(process.env.KUBECTL ?? 'kubectl', [
    '--kubeconfig',
    process.env.KUBECONFIG ?? '',
    '-n',
    namespace,
    ...args,
  ]);
}

/** `kubectl wait --for=condition=Succeeded <kind>/<name>`: how users and scripts wait for a resource. */
export async function kubectlWaitSucceeded(namespace: string, resource: string): Promise<void> {
  await kubectl(namespace, 'wait', '--for=condition=Succeeded', resource, '--timeout=120s');
}

/** `kubectl wait --for=condition=Succeeded=false <kind>/<name>`: how a script finds out that it failed. */
export async function kubectlWaitFailed(namespace: string, resource: string): Promise<void> {
  await kubectl(namespace, 'wait', '--for=condition=Succeeded=false', resource, '--timeout=120s');
}

/** `kubectl annotate <resource> key=value --overwrite`, as a person asks for a retry or a cancel. */
export async function kubectlAnnotate(
  namespace: string,
  resource: string,
  annotation: string,
): Promise<void> {
  await kubectl(namespace, 'annotate', resource, annotation, '--overwrite');
}
