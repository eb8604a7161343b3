// A self-signed certificate made at start, for storage servers that must answer HTTPS under the
// cloud's own host names (the real tier's JVM reaches them through a hosts file and a trust store).
// Node's crypto cannot issue X.509 certificates, so `openssl` makes it; `keytool` (Java 17) puts it in
// a PKCS#12 trust store for `-Djavax.net.ssl.trustStore`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface SelfSignedCert {
  /** PEM certificate (self-signed, so also the only CA a client needs). */
  certFile: string;
  /** PEM private key (PKCS#8, unencrypted, mode 0600). */
  keyFile: string;
  /** The certificate's PEM text, for a Node client's `ca`. */
  certPem: string;
  /** PKCS#12 trust store holding the certificate, when asked for. */
  trustStore?: { file: string; password: string; type: 'PKCS12' };
}

export interface SelfSignedCertOptions {
  dir: string;
  /** DNS names (wildcards allowed) and IP addresses the certificate is valid for. */
  names: string[];
  /** Also write a Java trust store (needs `keytool`). */
  javaTrustStore?: boolean;
  /** Validity; 2 days by default (a test run never needs longer). */
  days?: number;
}

/** `subjectAltName` value for openssl: `DNS:` for names, `IP:` for addresses. */
export function subjectAltName(names: string[]): string {
  if (names.length === 0) throw new Error('a certificate needs at least one name');
  return names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
}

export function writeSelfSignedCert(opts: SelfSignedCertOptions): SelfSignedCert {
  mkdirSync(opts.dir, { recursive: true });
  const certFile = join(opts.dir, 'cert.pem');
  const keyFile = join(opts.dir, 'key.pem');
  // `-nodes`: no pass phrase, the servers read the key as it is (`-noenc` would need OpenSSL 3).
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(opts.days ?? 2),
    '-subj',
    '/CN=cassandra-backup-operator local storage',
    '-addext',
    `subjectAltName=${subjectAltName(opts.names)}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=digitalSignature,keyEncipherment,keyCertSign',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  chmodSync(keyFile, 0o600);
  const cert: SelfSignedCert = { certFile, keyFile, certPem: readFileSync(certFile, 'utf8') };
  if (opts.javaTrustStore) {
    const file = join(opts.dir, 'truststore.p12');
    // Not a secret worth the name (a trust store holds public certificates), but not a fixed one either.
    const password = randomBytes(12).toString('hex');
    run('keytool', [
      '-importcert',
      '-noprompt',
      '-alias',
      'cbo-local-storage',
      '-file',
      certFile,
      '-keystore',
      file,
      '-storetype',
      'PKCS12',
      '-storepass',
      password,
    ]);
    cert.trustStore = { file, password, type: 'PKCS12' };
  }
  return cert;
}

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `${command} is needed for the storage servers' TLS mode and was not found on PATH` +
        (command === 'keytool' ? ' (it comes with Java 17)' : ''),
    );
  }
  if (r.status !== 0) {
    // Only the command and its own error output: no argument here carries a secret worth hiding except
    // the trust store password, which is left out.
    throw new Error(`${command} ${args[0]} failed (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`);
  }
}
