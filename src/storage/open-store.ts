// The store of a storage location, with the credentials the API's Secret holds.
import { azureStore } from './azure-store.js';
import type { SecretCredentials } from './credentials.js';
import { fileStore } from './file-store.js';
import { gcsStore } from './gcs-store.js';
import type { ParsedLocation } from './location.js';
import type { ObjectStore } from './object-store.js';
import { s3Store } from './s3-store.js';

export function openStore(
  location: ParsedLocation,
  credentials: SecretCredentials,
  opts: { insecure: boolean },
): ObjectStore {
  switch (location.protocol) {
    case 'file':
      return fileStore();
    case 'azure':
      return azureStore({ container: location.bucket, credentials, insecure: opts.insecure });
    case 'gcp':
      return gcsStore({ bucket: location.bucket, credentials });
    default:
      return s3Store({
        protocol: location.protocol,
        bucket: location.bucket,
        credentials,
        insecure: opts.insecure,
      });
  }
}
