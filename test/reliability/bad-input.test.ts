// Bad input, all at once, against one operator: every case ends in a condition with its own reason
// (docs/troubleshooting.md) and a message that names the culprit, plus a Warning Event with that reason,
// while good backups and a good restore created at the same time complete and the process lives on.
// Transient reasons are checked while they wait (PENDING, Succeeded=Unknown), not after the retry window.
//
// The resources live on an API server of this file's own (test/support/loose-crds.ts) whose CRDs have no
// schema for spec, as an older CRD without today's rules: what the real CRDs refuse at the API server
// (unknown protocols, unicode, names that are no label values, wrong types) reaches the operator here, and
// the operator's own checks are what is proven. That server also has the IBM CassandraCluster CRD, so
// every cluster here has a CassandraCluster object (ready unless a case says otherwise). Temporal is the
// test runner's; this file's task queue keeps its workflows apart.
//
// The cases, and the world they need, are in test/support/bad-input/.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { longName, type Case } from '../support/bad-input/case.js';
import { clusterCases } from '../support/bad-input/cluster-cases.js';
import { restoreCases } from '../support/bad-input/restore-cases.js';
import { specCases } from '../support/bad-input/spec-cases.js';
import { BadInputWorld, type Kind, type Resource } from '../support/bad-input/world.js';
import { type Backups, type Restores, succeeded } from '../support/custom-resources.js';
import { uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

interface Outcome {
  c: Case;
  resource: string;
  reason?: string;
  message?: string;
  event?: string;
  problems: string[];
}

const SKIP =
  process.env.USE_EXISTING_CLUSTER === 'true'
    ? 'needs an API server of its own (USE_EXISTING_CLUSTER=true points the stack at a shared cluster)'
    : false;

const world = new BadInputWorld();
let custom: CustomObjectsApi;
let namespace: string;
let backups: Backups;
let restores: Restores;
let temporal: BadInputWorld['temporal'] | undefined;
let operator: BadInputWorld['operator'];
let mainName: string;

before(async () => {
  if (SKIP) return;
  ({ custom, namespace, backups, restores, temporal, operator, mainName } = await world.start());
});

after(() => world.stop());

/** Every case, in the order of the summary. */
const cases = (): Case[] => [...clusterCases(world), ...specCases(world), ...restoreCases(world)];

// ---------------------------------------------------------------------------------------------------
// Running them

/** One list of both kinds for every waiting case, at most every 400 ms: one poller, not one per case. */
let snapshot: { at: number; items: Promise<Map<string, Resource>> } | undefined;
function current(): Promise<Map<string, Resource>> {
  if (!snapshot || Date.now() - snapshot.at > 400) {
    const list = async (kind: Kind) =>
      (
        (await custom.listNamespacedCustomObject({ ...resourceNames[kind], namespace })) as {
          items: Resource[];
        }
      ).items.map((r): [string, Resource] => [`${kind}/${r.metadata.name ?? ''}`, r]);
    snapshot = {
      at: Date.now(),
      items: Promise.all([list('CassandraBackup'), list('CassandraRestore')]).then((l) => new Map(l.flat())),
    };
  }
  return snapshot.items;
}

const condition = (r: Resource | undefined) => r?.status?.conditions?.find((x) => x.type === 'Succeeded');

async function settle(c: Case, resource: string, until: number): Promise<Outcome> {
  const outcome: Outcome = { c, resource, problems: [] };
  let seen: Resource | undefined;
  for (;;) {
    seen = (await current().catch(() => undefined))?.get(`${c.kind}/${resource}`) ?? seen;
    const cond = condition(seen);
    const finalOther =
      cond && cond.reason !== c.reason && (cond.status === 'True' || cond.status === 'False');
    if ((cond?.reason === c.reason && cond.status === c.succeeded) || finalOther || Date.now() > until) break;
    await sleep(500);
  }
  const cond = condition(seen);
  outcome.reason = cond?.reason;
  outcome.message = cond?.message;
  if (cond?.reason !== c.reason || cond.status !== c.succeeded) {
    outcome.problems.push(
      `expected ${c.reason} (Succeeded=${c.succeeded}), got ${cond ? `${cond.reason} (Succeeded=${cond.status})` : 'no condition'}`,
    );
    return outcome;
  }
  const state = seen?.status?.state;
  const expectedState = c.succeeded === 'Unknown' ? 'PENDING' : 'FAILED';
  if (state !== expectedState) outcome.problems.push(`state ${state}, expected ${expectedState}`);
  for (const part of c.messageIncludes) {
    if (!cond.message.includes(part)) outcome.problems.push(`message lacks "${part}"`);
  }
  const resources = c.kind === 'CassandraBackup' ? backups : restores;
  // Several nodes may have failed, each with its own Event: the one that names the culprit.
  const event = await eventually(
    `${resource}: a Warning Event ${c.reason}`,
    async () => {
      const warnings = (await resources.events(resource)).filter(
        (e) => e.type === 'Warning' && e.reason === c.reason,
      );
      return warnings.find((e) => e.message.includes(c.messageIncludes[0] ?? '')) ?? warnings[0];
    },
    { timeoutMs: 15_000 },
  ).catch(() => undefined);
  if (!event) outcome.problems.push(`no Warning Event ${c.reason}`);
  else {
    outcome.event = `Warning ${event.reason}`;
    if (!event.message.includes(c.messageIncludes[0] ?? ''))
      outcome.problems.push(`Event message lacks "${c.messageIncludes[0]}": ${event.message}`);
  }
  return outcome;
}

function summary(outcomes: Outcome[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const excerpt = (s = '') => (s.length > 90 ? `${s.slice(0, 87)}...` : s);
  return [
    '| case | kind | reason | message excerpt | Event |',
    '| --- | --- | --- | --- | --- |',
    ...outcomes.map(
      (o) =>
        `| ${cell(o.c.name)}${o.problems.length ? ' **(FAILED)**' : ''} | ${o.c.kind.replace('Cassandra', '')} | ${o.reason ?? '-'} | ${cell(excerpt(o.message))} | ${o.event ?? 'none'} |`,
    ),
  ].join('\n');
}

test(
  'bad input: each case ends in its own reason, message and Warning Event; good work goes on',
  { skip: SKIP },
  async () => {
    const started = Date.now();
    const all = cases();
    assert.ok(all.length >= 30, `${all.length} cases`);
    const names = all.map(
      (c) => c.resource ?? uniqueName(c.kind === 'CassandraBackup' ? 'bad-backup' : 'bad-restore'),
    );

    // Good work, created with the bad: a backup, a restore of it, and a backup whose name is 253 characters.
    const goodBackup = uniqueName('good-backup');
    const goodLong = longName('good');
    const goodRestore = `good.restore.${randomInt(1000, 9999)}`;
    const good = { cassandraCluster: mainName, storageLocation: 's3://good-bucket', secretName: 'creds' };
    await Promise.all([
      backups.create(goodBackup, good),
      backups.create(goodLong, good),
      restores.create(goodRestore, { cassandraCluster: mainName, cassandraBackup: goodBackup }),
      ...all.map(async (c, i) => {
        const resource = names[i] ?? '';
        await c.setup?.();
        await (c.kind === 'CassandraBackup' ? backups : restores).create(resource, c.spec());
        await c.whileRunning?.(resource);
      }),
    ]);

    const until = Date.now() + 90_000;
    const outcomes = await Promise.all(all.map((c, i) => settle(c, names[i] ?? '', until)));
    console.log(`\n${summary(outcomes)}\n`);

    // The good work completed meanwhile.
    for (const name of [goodBackup, goodLong]) {
      const b = await backups.waitFor(name, 'its end', (x) => succeeded(x) !== 'Unknown');
      assert.equal(b.status?.state, 'COMPLETED', `${name}: ${JSON.stringify(b.status?.conditions)}`);
    }
    const r = await restores.waitFor(
      goodRestore,
      'its end',
      (x) => succeeded(x) === 'True' || succeeded(x) === 'False',
    );
    assert.equal(r.status?.state, 'COMPLETED', JSON.stringify(r.status?.conditions));
    // No bad resource turned the search attributes off for the others.
    const described = await temporal?.client.workflow
      .getHandle((await backups.get(goodBackup)).status?.workflowId ?? '')
      .describe();
    assert.equal(described?.typedSearchAttributes.get(searchAttributes.cassandraCluster), mainName);

    // The operator is still the same process, and said nothing of a crash.
    const exited = await Promise.race([operator?.exited.then(() => true), sleep(10).then(() => false)]);
    assert.equal(exited, false, 'the operator exited');
    const alarming = (operator?.logs ?? []).filter((l) =>
      /uncaught|unhandled|nondetermin|"level":60|Worker failed|search attributes .* are not registered/i.test(
        l,
      ),
    );
    assert.deepEqual(alarming, []);

    const failed = outcomes.filter((o) => o.problems.length > 0);
    assert.deepEqual(
      failed.map((o) => `${o.c.name} (${o.resource}): ${o.problems.join('; ')}`),
      [],
      `${failed.length} of ${outcomes.length} case(s) not handled as expected`,
    );
    console.log(
      `${outcomes.length} bad inputs and 3 good resources in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  },
);
