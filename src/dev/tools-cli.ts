// `npm run tools`: builds (once) and prints the local stack's tools, e.g. to warm a CI cache.
import { resolveKubeTools } from './stack/kube-tools.js';
import { resolveStorageTools } from './stack/storage-tools.js';
import { resolveTemporalCli } from './stack/temporal-cli.js';

const [temporal, kube] = await Promise.all([resolveTemporalCli(), resolveKubeTools()]);
// After the others: on a cold machine the Go builds then do not compete for the same 2 cores.
const storage = await resolveStorageTools();
console.log(
  JSON.stringify(
    {
      temporal: temporal.kind === 'binary' ? temporal.path : 'downloaded by the Temporal SDK at start',
      kube,
      storage,
    },
    null,
    2,
  ),
);
