// The CustomResourceDefinition object of a definition (src/kube/api/definitions.ts), as `npm run gen:api`
// writes it into k8s/crds/: generation-time only, the operator never builds a CRD.
import { GROUP, VERSION, type CrdDefinition, type Schema } from '../../src/kube/api/schema.js';

/** Removes `tsName` and other generator-only keys: what remains is what the API server receives. */
export function toOpenApi(schema: Schema): Record<string, unknown> {
  const { tsName: _tsName, properties, additionalProperties, items, ...rest } = schema;
  const out: Record<string, unknown> = { ...rest };
  if (properties)
    out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toOpenApi(v)]));
  if (additionalProperties) out.additionalProperties = toOpenApi(additionalProperties);
  if (items) out.items = toOpenApi(items);
  return out;
}

/** The CustomResourceDefinition object for a definition. */
export function toCrd(def: CrdDefinition): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: def.categories,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: def.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toOpenApi(def.spec),
                status: toOpenApi(def.status),
              },
              ...(def.rootRules.length ? { 'x-kubernetes-validations': def.rootRules } : {}),
            },
          },
        },
      ],
    },
  };
}
