// The OAuth token endpoint a Google service account's JSON names (`token_uri`), for the real tier.
//
// Google's storage client (google-auth-library 1.7.0 inside esop 3.0.1) always exchanges a JWT signed
// with the account's private key for an access token before its first storage call, and
// fake-gcs-server has no token endpoint (it ignores authorization altogether). This stub is that
// endpoint, on 127.0.0.1 over plain HTTP: the JSON it writes names it as `token_uri`, so no hosts-file
// entry or certificate is needed. It is no storage API: the storage calls go to the real
// fake-gcs-server.
//
// It checks what Google's endpoint checks first: a JWT-bearer grant whose assertion is signed (RS256)
// by the service account's own key, issued by its client_email, for Google's token endpoint (or this one). Anything else is
// refused with Google's answer (400 `invalid_grant`), so a wrong key in the JSON fails as it would
// against Google.
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GcsTokenStub {
  /** `http://127.0.0.1:<port>/token`. */
  readonly tokenUri: string;
  /** Tokens handed out (one per successful exchange). */
  readonly issued: number;
  /**
   * The scope each token was handed out for, in order: who asked (esop's client asks for
   * `https://www.googleapis.com/auth/cloud-platform`, the operator's reader for `…/devstorage.read_only`).
   */
  readonly scopes: string[];
  /** Exchanges refused, with the reason (no assertion text). */
  readonly refused: string[];
  /** Writes a service-account JSON whose key this stub trusts (mode 0600) and returns its client_email. */
  writeServiceAccount(file: string, projectId: string): { clientEmail: string };
  stop(): Promise<void>;
}

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

interface Account {
  clientEmail: string;
  publicKey: KeyObject;
}

export async function startGcsTokenStub(): Promise<GcsTokenStub> {
  const accounts: Account[] = [];
  const refused: string[] = [];
  const scopes: string[] = [];
  let issued = 0;
  let tokenUri = '';

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, reason: string) => {
    refused.push(reason);
    answer(res, 400, { error: 'invalid_grant', error_description: reason });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (req.method !== 'POST' || req.url !== '/token') {
      answer(res, 404, { error: 'not_found' });
      return;
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      refuse(res, 'unsupported grant_type');
      return;
    }
    const [head, claims, signature] = (form.get('assertion') ?? '').split('.');
    if (!head || !claims || !signature) {
      refuse(res, 'the assertion is no JWT');
      return;
    }
    let header: { alg?: string };
    let payload: { iss?: string; aud?: string; exp?: number; scope?: string };
    try {
      header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as typeof header;
      payload = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      refuse(res, 'the assertion is no JWT');
      return;
    }
    const account = accounts.find((a) => a.clientEmail === payload.iss);
    if (header.alg !== 'RS256' || !account) {
      refuse(res, 'Invalid JWT: unknown issuer or algorithm');
      return;
    }
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${head}.${claims}`),
      account.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) {
      refuse(res, 'Invalid JWT Signature.');
      return;
    }
    // google-auth-library 1.7.0 signs for Google's own token endpoint whatever token_uri says.
    if (payload.aud !== GOOGLE_TOKEN_URI && payload.aud !== tokenUri) {
      refuse(res, `Invalid JWT: audience ${String(payload.aud)}`);
      return;
    }
    if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) {
      refuse(res, 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.');
      return;
    }
    issued++;
    scopes.push(String(payload.scope));
    answer(res, 200, {
      access_token: `stub-${randomBytes(16).toString('hex')}`,
      expires_in: 3600,
      token_type: 'Bearer',
    });
  };

  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  tokenUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;

  return {
    tokenUri,
    get issued() {
      return issued;
    },
    refused,
    scopes,
    writeServiceAccount(file, projectId) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const clientEmail = `backup-${randomBytes(4).toString('hex')}@${projectId}.iam.gserviceaccount.com`;
      accounts.push({ clientEmail, publicKey });
      const json = {
        type: 'service_account',
        project_id: projectId,
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: clientEmail,
        client_id: String(BigInt(`0x${randomBytes(8).toString('hex')}`)),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: tokenUri,
      };
      writeFileSync(file, JSON.stringify(json, null, 2), { mode: 0o600 });
      return { clientEmail };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
