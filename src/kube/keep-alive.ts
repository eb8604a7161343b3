// @kubernetes/client-node 1.x builds a new https.Agent for every API request, so every request opens a
// new TCP + TLS connection (a handshake on both sides, and a new TLS context here): with hundreds of
// resources that was the largest CPU cost of the operator and of the API server. This KubeConfig lets
// the client work out each request's TLS settings as before, then hands it one keep-alive agent built
// from them, replaced only when those settings change (a rotated client certificate). Authorization
// headers (a rotated ServiceAccount token) are still set per request. Proxied clusters keep the
// client's own agents.
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

export class KeepAliveKubeConfig extends KubeConfig {
  private shared: { settings: string; agent: https.Agent } | undefined;
  /** TCP connections opened to the API server through the shared agent (for metrics and tests). */
  connections = 0;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const agent = context.getAgent();
    // Exactly https.Agent: proxy agents (subclasses) and plain-HTTP clusters are left as they are.
    if (!agent || agent.constructor !== https.Agent) return;
    const o = agent.options;
    const settings = JSON.stringify([
      o.ca,
      o.cert,
      o.key,
      o.pfx,
      o.passphrase,
      o.servername,
      o.rejectUnauthorized,
    ]);
    if (this.shared?.settings !== settings) {
      this.shared?.agent.destroy();
      this.shared = { settings, agent: this.keepAliveAgent(o) };
    }
    context.setAgent(this.shared.agent);
  }

  private keepAliveAgent(options: https.AgentOptions): https.Agent {
    const agent = new https.Agent({ ...options, keepAlive: true });
    const create = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<typeof create>) => {
      this.connections += 1;
      return create(...args);
    };
    return agent;
  }
}
