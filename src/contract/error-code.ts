// The code an error carries, read one way everywhere: an HTTP status from the Kubernetes client
// (ApiException: 404, 409, 422), a gRPC status from Temporal's client (3 for INVALID_ARGUMENT), or a
// Node system error's code ('ECONNREFUSED').

/** The error's `code` when it is a number or a string; undefined otherwise (and for a thrown non-object). */
export function errorCode(err: unknown): number | string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' || typeof code === 'string' ? code : undefined;
}
