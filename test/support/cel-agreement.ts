// For the CRD tests (test/api/crd-*.test.ts): the operator's own checks of the CRD rules
// (src/kube/api/generated-rules.ts, JavaScript generated from the CEL rules by `npm run gen:api`) against
// the real kube-apiserver's CEL. A request the API server refuses is run through the generated checks
// too; both must find the same CEL failures, path and message alike. Each rule so compared is recorded,
// so that a last test can require every rule to have been compared at least once.
import assert from 'node:assert/strict';
import { violations, type CelRule } from '../../src/kube/api/cel-runtime.js';
import { celRules, type RuleKind } from '../../src/kube/api/generated-rules.js';

/** One entry of a Status' details.causes. */
export interface Cause {
  field?: string;
  message?: string;
  reason?: string;
}

export interface Refusal {
  /** What kubectl prints. */
  message: string;
  causes: Cause[];
}

/** The API server's answer to a refused request; fails the test when it was accepted. */
export async function refusal(request: Promise<unknown>): Promise<Refusal> {
  try {
    await request;
  } catch (err) {
    const body = (err as { body?: unknown }).body;
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as
      { message?: string; details?: { causes?: Cause[] } } | undefined;
    return { message: status?.message ?? String(err), causes: status?.details?.causes ?? [] };
  }
  assert.fail('the API server accepted it');
}

/** A CEL failure as the API server reports it: `Invalid value: "<schema type>": <message>`. */
const CEL_FAILURE = /^Invalid value: "(object|string|array|integer|number|boolean)": (.*)$/s;

/** The CEL failures among the causes, as `path: message` (the schema's own errors left out). */
function celFailures(causes: Cause[]): string[] {
  return causes.flatMap((c) => {
    const m = c.reason === 'FieldValueInvalid' ? CEL_FAILURE.exec(c.message ?? '') : null;
    // A schema error quotes the value and names the field "in body"; a CEL failure quotes the type.
    if (!m || m[2]?.startsWith(`${c.field ?? ''} in body`)) return [];
    return [`${c.field === '<nil>' ? '' : (c.field ?? '')}: ${m[2] ?? ''}`];
  });
}

const compared = new Set<CelRule>();

/**
 * '' when the generated checks find, in `object` (an update of `oldObject`, if given), exactly the CEL
 * failures of the API server's refusal; otherwise what differs, for the test to report.
 */
export function disagreement(kind: RuleKind, refused: Refusal, object: unknown, oldObject?: unknown): string {
  // A value of the wrong type stops the API server before any CEL rule runs.
  if (refused.causes.some((c) => c.reason === 'FieldValueTypeInvalid')) return '';
  const found = violations(celRules[kind], object, oldObject);
  const ours = found.map((v) => `${v.path}: ${v.message}`).sort();
  const theirs = celFailures(refused.causes).sort();
  if (JSON.stringify(ours) !== JSON.stringify(theirs))
    return `the generated checks found\n      ${ours.join('\n      ') || '(nothing)'}\n    the API server\n      ${theirs.join('\n      ') || '(nothing)'}`;
  for (const v of found) compared.add(v.rule);
  return '';
}

/** The rules no refusal has been compared on yet, as `kind path: rule`. */
export function rulesNeverCompared(): string[] {
  return Object.entries(celRules).flatMap(([kind, rules]) =>
    rules.filter((r) => !compared.has(r)).map((r) => `${kind} ${r.path.join('.') || '(root)'}: ${r.rule}`),
  );
}

/** RFC 7386: what a merge patch makes of an object. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
