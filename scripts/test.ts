// The test command (`npm test`): starts the local stack once (real Temporal dev server, real
// kube-apiserver + etcd; tools built and cached on first use), runs every test/**/*.test.ts file with
// Node's test runner against it, and stops the stack whatever happens (failures, Ctrl-C, errors).
//
//   npm test                      all tests
//   npm test -- test/unit         only files under these paths
//   npm run test:unit             unit tests only, without starting the stack
//   npm run test:real             the contract suite and the operator on real Cassandra + Icarus
//   npm run test:storage          the object-storage servers (MinIO, versitygw, Azurite,
//                                 fake-gcs-server) on their own
//
// Environment: TEST_CONCURRENCY (test files run at once, default 2), STACK_KEEP=true (leave the stack's
// work folder behind for inspection), TEMPORAL_TEST_SERVER_PATH (an existing time-skipping test server
// for test/unit/workflows instead of the one installed with Maven), HELM_PATH (a helm for
// test/deploy/helm-*.test.ts instead of building one), plus the stack's own variables
// (README, "Local stack").
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { installShutdownHandlers, startStack, type Stack } from '../dev/stack/index.js';
import { withCloudHosts } from '../dev/stack/cloud-hosts-option.js';
import { operatorKubeconfig } from '../dev/stack/operator-identity.js';
import { resolveHelm } from '../dev/stack/helm.js';
import { repoRoot } from '../dev/stack/repo.js';
import { resolvePromtool } from '../dev/stack/promtool.js';
import { resolveTemporalTestServer } from '../dev/stack/temporal-test-server.js';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const roots = args.filter((a) => !a.startsWith('--')).map((a) => resolve(a));
const files = findTests(roots.length ? roots : [join(repoRoot, unitOnly ? 'test/unit' : 'test')]);
if (files.length === 0) {
  console.error(`no test files found under ${roots.join(', ') || 'test/'}`);
  process.exit(1);
}

let stack: Stack | undefined;
let runner: ReturnType<typeof spawn> | undefined;
installShutdownHandlers(async () => {
  runner?.kill('SIGTERM');
  await stack?.stop();
});

// Unit, contract and storage-server tests need no Temporal or Kubernetes (the storage tests start the
// servers they use).
const standalone = ['test/unit/', 'test/contract/', 'test/storage/'];
const needsStack =
  !unitOnly && files.some((f) => !standalone.some((dir) => relative(repoRoot, f).startsWith(dir)));
// The workflow tests (test/unit/workflows) run on Temporal's time-skipping test server: installed here
// once per version (Maven), before any test starts, and handed to them by path.
let testServerEnv: Record<string, string> = {};
if (files.some((f) => relative(repoRoot, f).startsWith('test/unit/workflows/'))) {
  const server = await resolveTemporalTestServer();
  testServerEnv = { TEMPORAL_TEST_SERVER_PATH: server.path };
}

// The Helm chart's tests run the real helm: built here once per version (Go module proxy) when one of
// those files is among those to run, before any test starts, so that a cold build slows no test running
// meanwhile and counts against no test file's time limit. The tests find it in the cache.
if (files.some((f) => relative(repoRoot, f).startsWith('test/deploy/helm'))) await resolveHelm();

// The tests of k8s/monitoring (test/monitoring) check the alerting rules with Prometheus's promtool: built
// once per version while the stack starts (on a cold cache its module downloads overlap the stack's
// builds), and handed to them by path.
const promtoolBuild = files.some((f) => relative(repoRoot, f).startsWith('test/monitoring/'))
  ? resolvePromtool().then(
      (promtool) => ({ promtool }),
      (err: unknown) => ({ err }),
    )
  : undefined;

// Operators started by the tests act as the ServiceAccount of k8s/deploy, with nothing but its token:
// the whole suite thereby checks that the install's RBAC grants what the operator does.
let operatorEnv: Record<string, string> = {};
if (needsStack) {
  stack = await startStack();
  const kubeconfig = await operatorKubeconfig(stack.kube, stack.workDir);
  if (kubeconfig) operatorEnv = { OPERATOR_KUBECONFIG: kubeconfig };
}

let promtoolEnv: Record<string, string> = {};
if (promtoolBuild) {
  const built = await promtoolBuild;
  if ('err' in built) {
    await stack?.stop();
    throw built.err;
  }
  promtoolEnv = { PROMTOOL_PATH: built.promtool.path };
}

// No test process reaches a real cloud: dev/stack/cloud-hosts.mjs maps the clouds' host names to the
// stack's storage servers where a test says so, and to nothing otherwise.
const nodeOptions = withCloudHosts(process.env.NODE_OPTIONS);

// On CI a skipped test fails the run: a test that cannot run there (no port 443, no Java) is a gap in
// what CI proves, never a quiet pass. Locally a skip stays a skip, with its reason in the spec output.
const skipsFail = process.env.CI === 'true';
const tapFile = join(mkdtempSync(join(tmpdir(), 'cbo-tap-')), 'results.tap');

const ran = await new Promise<number>((done) => {
  runner = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      ...(skipsFail ? ['--test-reporter=tap', `--test-reporter-destination=${tapFile}`] : []),
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
      // Per test file as well as per test: a real-tier file that builds its storage servers on a cold
      // cache (MinIO alone 2.5 min) and then runs 12 min of round trips needs more than 10 min.
      '--test-timeout=1800000',
      ...files.map((f) => relative(process.cwd(), f)),
    ],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        ...(stack?.env() ?? {}),
        ...operatorEnv,
        ...testServerEnv,
        ...promtoolEnv,
        NODE_OPTIONS: nodeOptions,
      },
    },
  );
  runner.once('exit', (c, signal) => done(c ?? (signal ? 1 : 0)));
});
const skipped = skipsFail ? skippedTests(tapFile) : [];
if (skipped.length > 0) {
  console.error(`\nCI=true and ${skipped.length} test(s) skipped; on CI every test must run:`);
  for (const line of skipped) console.error(`  ${line}`);
}
const code = ran !== 0 ? ran : skipped.length > 0 ? 1 : 0;
await stack?.stop({ keepFiles: code !== 0 });
if (code !== 0 && stack) console.error(`\nThe stack's logs are kept in ${stack.workDir}`);
process.exit(code);

function findTests(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new Error(`no such test path: ${p}`);
    if (st.isFile()) {
      out.push(p);
      return;
    }
    for (const entry of readdirSync(p).sort()) {
      const child = join(p, entry);
      // real-tier/ needs Java, Maven and a real Cassandra, storage/ builds MinIO and versitygw (minutes,
      // once): `npm run test:real` and `npm run test:storage` name them explicitly.
      if (['node_modules', 'fixtures', 'real-tier', 'storage'].includes(entry)) continue;
      if (statSync(child).isDirectory()) walk(child);
      else if (entry.endsWith('.test.ts')) out.push(child);
    }
  };
  paths.forEach(walk);
  return out;
}

/** The skipped tests a TAP report names ("ok 3 - name # SKIP reason"). */
function skippedTests(file: string): string[] {
  const tap = readFileSync(file, 'utf8');
  return tap
    .split('\n')
    .filter((line) => /^\s*ok \d+ - .* # SKIP\b/i.test(line))
    .map((line) => line.trim().replace(/^ok \d+ - /, ''));
}
