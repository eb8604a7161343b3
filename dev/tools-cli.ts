// `npm run tools`: builds (once) and prints the local stack's tools, e.g. to warm a CI cache.
import { resolveHelm } from './stack/helm.js';
import { resolveKubeTools } from './stack/kube-tools.js';
import { resolvePromtool } from './stack/promtool.js';
import { resolveStorageTools } from './stack/storage-tools.js';
import { resolveTemporalCli } from './stack/temporal-cli.js';
import { resolveTemporalTestServer } from './stack/temporal-test-server.js';

const [temporal, kube] = await Promise.all([resolveTemporalCli(), resolveKubeTools()]);
// After the others: on a cold machine the Go builds then do not compete for the same 2 cores.
const storage = await resolveStorageTools();
const testServer = await resolveTemporalTestServer();
const helm = await resolveHelm();
const promtool = await resolvePromtool();
console.log(
  JSON.stringify(
    {
      temporal: temporal.kind === 'binary' ? temporal.path : 'downloaded by the Temporal SDK at start',
      temporalTestServer: testServer.path,
      kube,
      storage,
      helm,
      promtool: promtool.path,
    },
    null,
    2,
  ),
);
