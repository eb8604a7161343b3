// What the API server said when it refused a request: the message of the Status in the error's body
// (the Kubernetes client's ApiException), or the error itself when there is none.

export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string } | undefined;
    return parsed?.message ?? String(err);
  } catch {
    return String(err);
  }
}
