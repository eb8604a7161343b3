// The defaults the real Icarus fills into a submitted request, by operation type, as recorded from it:
// a simulated sidecar (./node.ts) shows them in the operation as Icarus does.

/** The retry part of a backup's or restore's request, left at Icarus's defaults. */
const RETRY_DEFAULTS = { interval: 10, strategy: 'LINEAR', maxAttempts: 3, enabled: false };
/** Defaults Icarus fills into a request (and so shows in the operation), as recorded from the real one. */
export const REQUEST_DEFAULTS: Record<string, Record<string, unknown>> = {
  backup: {
    concurrentConnections: 10,
    metadataDirective: 'COPY',
    entities: '',
    snapshotTag: `autosnap-${Math.floor(Date.now() / 1000)}`,
    globalRequest: false,
    timeout: 5,
    insecure: false,
    createMissingBucket: false,
    skipBucketVerification: false,
    uploadClusterTopology: false,
    retry: RETRY_DEFAULTS,
    skipRefreshing: false,
  },
  'remove-backup': {
    globalRequest: false,
    dry: false,
    resolveNodes: false,
    removeOldest: false,
    insecure: false,
    skipBucketVerification: false,
  },
  restore: {
    concurrentConnections: 10,
    entities: '',
    globalRequest: false,
    timeout: 5,
    insecure: false,
    skipBucketVerification: false,
    restoreSystemKeyspace: false,
    restoreSystemAuth: false,
    retry: RETRY_DEFAULTS,
  },
};
