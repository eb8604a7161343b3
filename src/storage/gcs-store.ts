// Google Cloud Storage through its JSON API at https://storage.googleapis.com, the only host esop's client
// knows. The token comes from the Secret's service account as Google's own libraries get it: a JWT
// signed with the account's key, exchanged at its token_uri (read-only scope).
import { createSign } from 'node:crypto';
import { serviceAccount, type SecretCredentials } from './credentials.js';
import { STORE_REQUEST_TIMEOUT_MS, StorageReadError, folderName, type ObjectStore } from './object-store.js';

export const GCS_API = 'https://storage.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';

export interface GcsStoreOptions {
  bucket: string;
  credentials: SecretCredentials;
}

const base64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function gcsStore(opts: GcsStoreOptions): ObjectStore {
  if (!opts.credentials.gcp) throw new StorageReadError('the Secret lacks its gcp key', 'denied');
  const account = serviceAccount(opts.credentials.gcp);
  const where = `gcp://${opts.bucket}`;
  let token: { value: string; until: number } | undefined;

  async function accessToken(): Promise<string> {
    if (token && token.until > Date.now() + 60_000) return token.value;
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(
      JSON.stringify({
        iss: account.client_email,
        scope: SCOPE,
        aud: account.token_uri,
        iat: now,
        exp: now + 3600,
      }),
    )}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(account.private_key);
    const res = await call(
      account.token_uri,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: `${unsigned}.${base64url(signature)}`,
        }).toString(),
      },
      `getting a token for ${account.client_email}`,
    );
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new StorageReadError(`the token endpoint gave no access_token`, 'denied');
    token = { value: body.access_token, until: Date.now() + (body.expires_in ?? 3600) * 1000 };
    return token.value;
  }

  /** `bucketLevel`: a listing, whose 404 means the bucket does not exist (an object's 404 means the object). */
  async function get(url: string, what: string, bucketLevel = false): Promise<Response> {
    return call(url, { headers: { authorization: `Bearer ${await accessToken()}` } }, what, bucketLevel);
  }

  return {
    async list(prefix) {
      const keys: string[] = [];
      let page = '';
      do {
        const url = `${GCS_API}/storage/v1/b/${encodeURIComponent(opts.bucket)}/o?prefix=${encodeURIComponent(prefix)}${page ? `&pageToken=${encodeURIComponent(page)}` : ''}`;
        const body = (await (await get(url, `listing ${where}/${prefix}`, true)).json()) as {
          items?: { name: string }[];
          nextPageToken?: string;
        };
        keys.push(...(body.items ?? []).map((i) => i.name));
        page = body.nextPageToken ?? '';
      } while (page);
      return keys;
    },
    async folders(prefix) {
      const names: string[] = [];
      let page = '';
      do {
        const url = `${GCS_API}/storage/v1/b/${encodeURIComponent(opts.bucket)}/o?delimiter=%2F&prefix=${encodeURIComponent(prefix)}${page ? `&pageToken=${encodeURIComponent(page)}` : ''}`;
        const body = (await (await get(url, `listing ${where}/${prefix}`, true)).json()) as {
          prefixes?: string[];
          nextPageToken?: string;
        };
        names.push(...(body.prefixes ?? []).map((p) => folderName(prefix, p)));
        page = body.nextPageToken ?? '';
      } while (page);
      return names;
    },
    async read(key) {
      const url = `${GCS_API}/storage/v1/b/${encodeURIComponent(opts.bucket)}/o/${encodeURIComponent(key)}?alt=media`;
      return (await get(url, `reading ${where}/${key}`)).text();
    },
    close: () => undefined,
  };
}

/** One request; a non-2xx answer becomes a StorageReadError with the server's own message. */
async function call(url: string, init: RequestInit, what: string, bucketLevel = false): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(STORE_REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new StorageReadError(`${what}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  if (res.ok) return res;
  const text = (await res.text()).slice(0, 300);
  let message = text;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; error_description?: string };
    message =
      typeof parsed.error === 'object'
        ? (parsed.error.message ?? text)
        : [parsed.error, parsed.error_description].filter(Boolean).join(': ') || text;
  } catch {
    // not JSON: the text as it came
  }
  throw new StorageReadError(
    `${what}: HTTP ${res.status}: ${message}`,
    res.status === 401 || res.status === 403
      ? 'denied'
      : res.status === 404 && bucketLevel
        ? 'no-bucket'
        : undefined,
  );
}
