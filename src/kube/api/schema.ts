/**
 * The subset of a CRD's OpenAPI v3 schema (apiextensions.k8s.io/v1 JSONSchemaProps) that our API uses,
 * plus `tsName`: the name of the generated TypeScript type, stripped before the CRD is written.
 */
export interface Rule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
}

export interface Schema {
  tsName?: string;
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  format?: 'int64' | 'int32' | 'date-time' | 'double';
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  items?: Schema;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-validations'?: Rule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  description: string;
  spec: Schema;
  status: Schema;
  /** Rules on the whole object: they see spec, status and, on updates, oldSelf. */
  rootRules: Rule[];
  printerColumns: PrinterColumn[];
}

export const GROUP = 'db.ibm.com';
export const VERSION = 'v1alpha1';
