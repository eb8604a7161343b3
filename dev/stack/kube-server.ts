import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { resolveKubeTools } from './kube-tools.js';
import { freePort } from '../../src/net/free-port.js';
import { startProcess, waitUntilReady, type ManagedProcess } from './processes.js';

export interface KubeServerOptions {
  workDir: string;
}

export interface KubeServer {
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:PORT, or the existing cluster's server. */
  readonly server: string;
  /** kubectl built with the API server (undefined for an existing cluster: use the one on PATH). */
  readonly kubectl: string | undefined;
  readonly description: string;
  /** Bearer tokens of the users in the token file, by user name (local stack only): admin is system:masters. */
  readonly tokens: ReadonlyMap<string, string>;
  stop(): Promise<void>;
  /** Restarts kube-apiserver on the same port (etcd keeps the data): for fault tests. `kill`: SIGKILL it. */
  restartApiserver(opts?: { kill?: boolean }): Promise<void>;
}

/**
 * A real kube-apiserver + etcd on loopback with a service-account key pair, token authentication and
 * RBAC; writes a kubeconfig usable by kubectl and @kubernetes/client-node. With USE_EXISTING_CLUSTER=true
 * the cluster of `KUBECONFIG` is used instead and nothing is started.
 */
export async function startKube(opts: KubeServerOptions): Promise<KubeServer> {
  if (process.env.USE_EXISTING_CLUSTER === 'true') {
    const kubeconfigPath = process.env.KUBECONFIG;
    if (!kubeconfigPath || !existsSync(kubeconfigPath.split(':')[0] ?? '')) {
      throw new Error(
        'USE_EXISTING_CLUSTER=true needs KUBECONFIG set to the kubeconfig file of that cluster.',
      );
    }
    return {
      kubeconfigPath,
      server: '(from KUBECONFIG)',
      kubectl: undefined,
      description: `existing cluster from KUBECONFIG=${kubeconfigPath}`,
      tokens: new Map(),
      stop: async () => {},
      restartApiserver: () =>
        Promise.reject(new Error('cannot restart the API server of an existing cluster')),
    };
  }

  const tools = await resolveKubeTools();
  const dir = join(opts.workDir, 'kube');
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });

  const etcdPort = await freePort();
  const etcdPeerPort = await freePort();
  const apiPort = await freePort();
  const etcd = startProcess({
    name: 'etcd',
    command: tools.etcd,
    args: [
      '--name',
      'stack',
      '--data-dir',
      join(dir, 'etcd-data'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster',
      `stack=http://127.0.0.1:${etcdPeerPort}`,
      '--listen-metrics-urls',
      `http://127.0.0.1:${await freePort()}`,
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
    ],
    logFile: join(dir, 'etcd.log'),
  });
  const apiserver: { proc?: ManagedProcess } = {};
  const stop = async () => {
    await apiserver.proc?.stop();
    await etcd.stop();
  };
  try {
    await waitUntilReady(
      etcd,
      () => httpGetOk(`http://127.0.0.1:${etcdPort}/health`),
      30_000,
      `etcd on ${etcdPort}`,
    );

    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    writeFileSync(join(pki, 'sa.key'), privateKey, { mode: 0o600 });
    writeFileSync(join(pki, 'sa.pub'), publicKey);
    const tokens = new Map<string, string>([['admin', randomBytes(24).toString('hex')]]);
    writeFileSync(
      join(pki, 'tokens.csv'),
      [...tokens].map(([user, token]) => `${token},${user},${user}-uid,"system:masters"`).join('\n') + '\n',
      { mode: 0o600 },
    );
    const adminToken = tokens.get('admin') ?? '';
    const server = `https://127.0.0.1:${apiPort}`;
    const args = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      // No controller-manager creates the "default" ServiceAccount, and no kubelet runs Pods.
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--profiling=false',
      // The 'kubernetes' Service cannot point at a loopback address; nothing here needs it.
      '--endpoint-reconciler-type=none',
    ];
    const launchApiserver = async () => {
      apiserver.proc = startProcess({
        name: 'kube-apiserver',
        command: tools.kubeApiserver,
        args,
        logFile: join(dir, 'kube-apiserver.log'),
      });
      await waitUntilReady(
        apiserver.proc,
        () => httpGetOk(`${server}/readyz`, adminToken),
        90_000,
        `kube-apiserver on ${apiPort}`,
      );
    };
    await launchApiserver();

    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, server, readFileSync(join(pki, 'apiserver.crt')), adminToken);
    return {
      kubeconfigPath,
      server,
      kubectl: tools.kubectl,
      description: `kube-apiserver + etcd (${tools.source})`,
      tokens,
      stop,
      restartApiserver: async ({ kill = false } = {}) => {
        await (kill ? apiserver.proc?.kill() : apiserver.proc?.stop());
        await launchApiserver();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function writeKubeconfig(path: string, server: string, ca: Buffer, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority-data': ca.toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin', namespace: 'default' } }],
    'current-context': 'local',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

const insecure = new Agent({ rejectUnauthorized: false });

/** GET that answers true on 200. The API server's self-signed certificate is not checked by this probe. */
function httpGetOk(url: string, token?: string): Promise<boolean> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      u,
      {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        timeout: 2000,
        ...(u.protocol === 'https:' ? { agent: insecure } : {}),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
