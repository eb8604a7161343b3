// Kubernetes access from the operator's environment: KUBECONFIG when set, else the in-cluster
// ServiceAccount, else ~/.kube/config (what kubectl would use).
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from './keep-alive.js';

export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
}

export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  // One keep-alive connection pool instead of a new TLS connection per request (see keep-alive.ts).
  const kc = new KeepAliveKubeConfig();
  if (env.KUBECONFIG) kc.loadFromFile(env.KUBECONFIG);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

export function kubeClients(kc: KubeConfig): KubeClients {
  return { kc, core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}
