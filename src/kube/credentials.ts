// Checks that a storage credentials Secret exists and holds the keys its storage provider needs.
// Only names leave this module: the keys present and missing, never a value.
import type { CoreV1Api } from '@kubernetes/client-node';
import { PlanError } from './plan-error.js';
import { errorCode } from '../contract/error-code.js';

export type Provider = 's3' | 'minio' | 'oracle' | 'ceph' | 'azure' | 'gcp' | 'file';

const AWS_KEYS = ['awsaccesskeyid', 'awssecretaccesskey', 'awsregion', 'awsendpoint'];
const PROVIDER_KEYS: Record<'aws' | 'azure' | 'gcp', string[]> = {
  aws: AWS_KEYS,
  azure: ['azurestorageaccount', 'azurestoragekey'],
  gcp: ['gcp'],
};

export function providerOf(storageLocation: string): Provider {
  const protocol = /^([a-z0-9]+):\/\//.exec(storageLocation)?.[1];
  if (
    protocol === 's3' ||
    protocol === 'minio' ||
    protocol === 'oracle' ||
    protocol === 'ceph' ||
    protocol === 'azure' ||
    protocol === 'gcp' ||
    protocol === 'file'
  ) {
    return protocol;
  }
  throw new PlanError(
    'UnsupportedStorageProtocol',
    `storageLocation ${storageLocation} has no supported protocol (s3, gcp, azure, oracle, minio, ceph, file)`,
  );
}

export interface CredentialsCheck {
  secretName: string;
  provider: Provider;
  /** Names of the non-empty keys the provider uses. */
  keys: string[];
}

/** Returns what was found, or throws a PlanError whose reason names the problem. */
export async function checkCredentials(
  core: CoreV1Api,
  namespace: string,
  secretName: string,
  storageLocation: string,
): Promise<CredentialsCheck> {
  const provider = providerOf(storageLocation);
  let data: Record<string, string>;
  try {
    data = (await core.readNamespacedSecret({ namespace, name: secretName })).data ?? {};
  } catch (err) {
    if (errorCode(err) === 404) {
      throw new PlanError(
        'SecretNotFound',
        `Secret ${secretName} not found in namespace ${namespace}: create it with the keys for ${provider} (see k8s/examples/secret-*.yaml)`,
        true,
      );
    }
    throw err;
  }
  const present = new Set(Object.keys(data).filter((k) => (data[k] ?? '').length > 0));
  const has = (k: string) => present.has(k);
  const family =
    provider === 'azure' ? 'azure' : provider === 'gcp' ? 'gcp' : provider === 'file' ? undefined : 'aws';
  const keys = family ? PROVIDER_KEYS[family].filter(has) : [];
  const missing: string[] = [];
  if (family === 'azure') missing.push(...PROVIDER_KEYS.azure.filter((k) => !has(k)));
  if (family === 'gcp' && !has('gcp')) missing.push('gcp');
  if (family === 'aws') {
    // Without keys the AWS SDK's own chain applies (instance role, web identity): that is allowed, but
    // not for a Secret that holds another provider's keys: that is a wrong Secret or a wrong protocol.
    const foreign = [...PROVIDER_KEYS.azure, ...PROVIDER_KEYS.gcp].some(has);
    if (keys.length === 0 && foreign) missing.push('awsaccesskeyid', 'awssecretaccesskey', 'awsregion');
    else if (has('awsaccesskeyid') !== has('awssecretaccesskey'))
      missing.push(has('awsaccesskeyid') ? 'awssecretaccesskey' : 'awsaccesskeyid');
    if ((has('awsaccesskeyid') || has('awsendpoint')) && !has('awsregion')) missing.push('awsregion');
  }
  if (missing.length) {
    const others = Object.entries(PROVIDER_KEYS)
      .filter(([f]) => f !== family)
      .flatMap(([, ks]) => ks.filter(has));
    const hint = others.length
      ? `; it holds keys of another provider (${others.join(', ')}): is storageLocation's protocol right?`
      : '';
    throw new PlanError(
      'SecretMissingKeys',
      `Secret ${secretName} lacks ${missing.join(', ')} needed for ${provider}${hint}`,
    );
  }
  return { secretName, provider, keys };
}

/**
 * Icarus 2.x reads the Secret itself and never falls back to the AWS SDK's chain (esop 2.x
 * TransferManagerFactory): for it an S3-family Secret without keys is as bad as a missing key.
 */
export function requireKeysForGeneration(check: CredentialsCheck, generation: 2 | 3): void {
  const aws = check.provider !== 'azure' && check.provider !== 'gcp' && check.provider !== 'file';
  if (generation !== 2 || !aws) return;
  const missing = ['awsaccesskeyid', 'awssecretaccesskey'].filter((k) => !check.keys.includes(k));
  if (missing.length === 0) return;
  throw new PlanError(
    'SecretMissingKeys',
    `Secret ${check.secretName} lacks ${missing.join(', ')} needed for ${check.provider}: the cluster's sidecars run Icarus 2.x, which reads the Secret itself and has no fallback to an instance role`,
  );
}
