// Today's CRD rules for a spec the API server did not check: a resource stored under an older CRD
// without them reaches the operator as it was written. The operator applies the rules of
// ./definitions.ts to the spec itself, with the API server's own message, so such a resource fails with
// InvalidSpec instead of an odd label selector, snapshot name or Icarus request.
//
// The rules are not read here: `npm run gen:api` translates each CEL rule into a JavaScript predicate
// (./generated-rules.ts, by dev/codegen/cel.ts), and fails on a rule it cannot translate, so none is
// skipped. Applied: every rule on a field of the spec (at any depth) that does not read oldSelf (the
// operator sees no old object). Left to the planning, which reports them with a reason of its own:
// storageLocation (UnsupportedStorageProtocol, InvalidStorageLocation), duration (InvalidDuration) and
// the spec-wide rules (a restore's source: InvalidSpec with the same message, from the planning).
import { violations, type CelRule } from './cel-runtime.js';
import { celRules } from './generated-rules.js';

const LEFT_TO_PLANNING = new Set(['spec', 'spec.storageLocation', 'spec.duration']);

const appliesToSpec = (rule: CelRule) =>
  rule.path[0] === 'spec' && !rule.transition && !LEFT_TO_PLANNING.has(rule.path.slice(0, 2).join('.'));

/** The rules the operator applies itself, per kind. */
export const specFieldRules = {
  CassandraBackup: celRules.CassandraBackup.filter(appliesToSpec),
  CassandraRestore: celRules.CassandraRestore.filter(appliesToSpec),
};

/** `spec.<field>: <the CRD's message>` for every rule the spec breaks; empty when it keeps them all. */
export function specRuleProblems(kind: keyof typeof specFieldRules, spec: Record<string, unknown>): string[] {
  return violations(specFieldRules[kind], { spec }).map((v) => `${v.path}: ${v.message}`);
}
