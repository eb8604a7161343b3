// The storage Secret is checked when a backup or restore plans; it can be deleted (or emptied) while the
// run goes on. Each submission to a node checks it again just before its POST, so a node is never
// started without it: Icarus 2.x reads the Secret itself when an operation starts, and a run that
// started only some nodes fails with the reason, never COMPLETED for a part of the cluster.
import { checkCredentials } from '../src/kube/credentials.js';
import { PlanError } from '../src/kube/plan-error.js';
import type { ActivityDeps } from './deps.js';

export async function ensureSecretStillThere(
  deps: ActivityDeps,
  input: { namespace: string; secretName: string; storageLocation: string; pod: string },
): Promise<void> {
  try {
    await checkCredentials(deps.core, input.namespace, input.secretName, input.storageLocation);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    const gone = err.reason === 'SecretNotFound';
    throw new PlanError(
      err.reason,
      `${gone ? `Secret ${input.secretName} was deleted` : `Secret ${input.secretName} changed`} while the run went on, so ${input.pod} was not started${gone ? '' : ` (${err.message})`}; nodes started before keep their work. Recreate the Secret with its keys, then send retry`,
    );
  }
}
