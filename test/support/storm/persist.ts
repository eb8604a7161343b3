// How the storm's people call servers that may be down at any moment (killed, restarting): every call is
// tried again, a bounded number of times, unless the answer is one a retry cannot change.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries a call until it works, for up to `tries` seconds (a server may be restarting). */
export async function persist<T>(what: string, call: () => Promise<T>, tries = 90): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await call();
    } catch (err) {
      last = err;
      if (statusOf(err) === 409 || statusOf(err) === 404 || statusOf(err) === 422) throw err;
      await sleep(1000);
    }
  }
  throw new Error(`${what}: ${last instanceof Error ? last.message : String(last)}`);
}

/** The HTTP status of a failed call, in the shapes the clients' errors carry it. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return e?.code ?? e?.statusCode ?? e?.response?.statusCode;
}
