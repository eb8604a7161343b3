// kubectl as users run it, against the test stack's API server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `kubectl wait --for=condition=Succeeded <kind>/<name>`: how users and scripts wait for a resource. */
export async function kubectlWaitSucceeded(namespace: string, resource: string): Promise<void> {
  await run(process.env.KUBECTL ?? 'kubectl', [
    '--kubeconfig',
    process.env.KUBECONFIG ?? '',
    '-n',
    namespace,
    'wait',
    '--for=condition=Succeeded',
    resource,
    '--timeout=120s',
  ]);
}
