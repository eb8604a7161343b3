// The one-way layering of docs/architecture.md, checked by ESLint (`npm run lint`) with
// eslint-plugin-import-x: `no-restricted-paths` refuses an import of a layer above (or of a sibling that
// must stay apart), `no-cycle` refuses a circle of value imports anywhere. Top to bottom, each layer may
// import the ones below it:
//
//   src/main.ts                                         entry: wires the process
//   src/operator                                        watch, reconcile, Temporal client calls
//   src/temporal                                        Temporal wiring: connection, worker, schedules
//   workflows | activities                              the two runtimes (apart from each other)
//   src/icarus | src/kube | src/storage | src/schedule  clients and domain rules (apart from each other)
//   src/config.ts src/logger.ts src/metrics src/net src/http     process services
//   src/contract                                        what the runtimes share: plain data, ids, reasons
//   src/kube/api                                        the CRD model (definitions, generated types)
//
// The shipping code is src, workflows and activities (all that tsconfig.build.json compiles); it imports
// none of the dev and test machinery. Under the tests sits dev/ (the local stack, the real tier's
// launchers, the sandbox, the Icarus simulator, the API generators): it may import the shipping code,
// and is imported by test, scripts and bench, never the other way round. Those (and tools) may import
// anything.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';

const root = dirname(fileURLToPath(import.meta.url));

const SHIPPING = ['src', 'workflows', 'activities'];
const DEV = ['dev', 'test', 'scripts', 'bench', 'tools'];
/** What uses dev/: dev/ imports none of it. */
const ABOVE_DEV = ['test', 'scripts', 'bench'];

/**
 * Bottom to top. `paths`: what the layer holds (folders or files). `apart`: siblings in the layer that
 * may not import one another. `label` names the layer in the messages.
 */
const LAYERS = [
  { label: 'the CRD model (src/kube/api)', paths: ['src/kube/api'] },
  { label: 'the contract (src/contract)', paths: ['src/contract'] },
  {
    label: 'the process services',
    paths: ['src/config.ts', 'src/logger.ts', 'src/metrics', 'src/net', 'src/http'],
  },
  {
    label: 'the clients and domain rules',
    paths: ['src/icarus', 'src/kube', 'src/storage', 'src/schedule'],
    apart: true,
  },
  { label: 'the runtimes (workflows, activities)', paths: ['workflows', 'activities'], apart: true },
  { label: 'the Temporal wiring (src/temporal)', paths: ['src/temporal'] },
  { label: 'the operator (src/operator)', paths: ['src/operator'] },
  { label: 'the entry point (src/main.ts)', paths: ['src/main.ts'] },
];

/** A folder nested in another layer's folder (src/kube/api in src/kube), as `except` relative to it. */
function nestedIn(from) {
  return LAYERS.flatMap((l) => l.paths)
    .filter((p) => p !== from && p.startsWith(`${from}/`))
    .map((p) => `./${p.slice(from.length + 1)}`);
}

/**
 * The files a layer's rules apply to: its folder, but not a lower layer nested in it (src/kube/api in
 * src/kube).
 */
const TARGETS = {
  'src/kube': ['src/kube/*.ts', 'src/kube/!(api)/**'],
};
const productionTargets = (path) => TARGETS[path] ?? [path];

/**
 * Workflows see the activities only as the type `Activities` (activities/index.ts, for
 * proxyActivities); the workflows' own `no-restricted-imports` (eslint.config.js) makes it type-only.
 */
const SIBLING_EXCEPTIONS = {
  'workflows activities': {
    except: ['./index.ts'],
    message:
      'workflows may not import activities, only the type `Activities` of activities/index.ts (for proxyActivities).',
  },
};

const zones = [];
for (const [i, layer] of LAYERS.entries()) {
  const target = layer.paths.flatMap(productionTargets);
  for (const upper of LAYERS.slice(i + 1))
    for (const from of upper.paths)
      zones.push({
        target,
        from,
        except: nestedIn(from),
        message: `${layer.label} may not import ${upper.label}: imports go down the layers (docs/architecture.md).`,
      });
  if (layer.apart)
    for (const path of layer.paths)
      for (const other of layer.paths.filter((p) => p !== path))
        zones.push({
          target: productionTargets(path),
          from: other,
          except: [...nestedIn(other), ...(SIBLING_EXCEPTIONS[`${path} ${other}`]?.except ?? [])],
          message:
            SIBLING_EXCEPTIONS[`${path} ${other}`]?.message ??
            `${path} may not import ${other}: siblings in one layer stay apart (docs/architecture.md).`,
        });
}
// Production code never imports dev or test machinery.
for (const from of DEV)
  zones.push({
    target: SHIPPING,
    from,
    message: `Production code (src, workflows, activities) may not import dev or test machinery (${from}/): it does not ship (docs/architecture.md).`,
  });
// dev/ serves the tests, scripts and benchmarks; it imports none of them.
for (const from of ABOVE_DEV)
  zones.push({
    target: 'dev',
    from,
    message: `dev/ may not import ${from}/: the tests, scripts and benchmarks use dev/, not the other way round (docs/architecture.md).`,
  });
// Workflow code is reached from outside the sandbox only through its signals and queries; the worker
// bundles workflows/ by path.
zones.push({
  target: ['src/operator', 'src/temporal', 'src/main.ts'],
  from: 'workflows',
  except: ['./signals.ts'],
  message:
    'Outside the workflow sandbox, import only workflows/signals.ts; ids and data are in src/contract.',
});

/** The flat-config entries: the resolver and the two rules, for every TypeScript file. */
export const boundaries = [
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // TypeScript sources, parsed as such when no-cycle follows their imports.
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
];
