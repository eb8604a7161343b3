// `npm run tools`: builds (once) and prints the local stack's tools, e.g. to warm a CI cache.
import { resolveKubeTools } from './stack/kube-tools.js';
import { resolveTemporalCli } from './stack/temporal-cli.js';

const [temporal, kube] = await Promise.all([resolveTemporalCli(), resolveKubeTools()]);
console.log(
  JSON.stringify(
    {
      temporal: temporal.kind === 'binary' ? temporal.path : 'downloaded by the Temporal SDK at start',
      kube,
    },
    null,
    2,
  ),
);
