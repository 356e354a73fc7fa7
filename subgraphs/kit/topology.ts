/**
 * The shape of the graph in one place: which services exist, where they listen by default, which
 * variables move them, and which subgraph calls which. Configs, scripts, the benchmark and the tests
 * read it from here instead of repeating ports and URLs.
 */

export const SUBGRAPH_NAMES = ["cases", "attachments", "threat-analysis"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
export type ServiceName = "gateway" | SubgraphName;

/** True for the name of a subgraph of this graph. */
export function isSubgraphName(name: string): name is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(name);
}

/** Every service's listener defaults to this loopback address: nothing is reachable from outside until configured. */
export const DEFAULT_HOST = "127.0.0.1";

export interface ServiceTopology {
  /** Port of the embedded default (`npm start`). */
  port: number;
  /** Variables that move the listener. */
  hostVariable: string;
  portVariable: string;
  /** The compiled entry point under `dist/`. */
  main: string;
}

export interface SubgraphTopology extends ServiceTopology {
  /** Variable through which other services find this subgraph's `/graphql`. */
  urlVariable: string;
  /** Subgraphs this one calls, as the caller, with the caller's identity token. */
  calls: readonly SubgraphName[];
}

export const GATEWAY: ServiceTopology = { port: 4000, hostVariable: "GATEWAY_HOST", portVariable: "GATEWAY_PORT", main: "gateway/main.js" };

export const SUBGRAPHS: Record<SubgraphName, SubgraphTopology> = {
  cases: { port: 4001, hostVariable: "CASES_HOST", portVariable: "CASES_PORT", urlVariable: "CASES_URL", main: "subgraphs/cases/main.js", calls: ["attachments"] },
  attachments: { port: 4002, hostVariable: "ATTACHMENTS_HOST", portVariable: "ATTACHMENTS_PORT", urlVariable: "ATTACHMENTS_URL", main: "subgraphs/attachments/main.js", calls: ["cases"] },
  "threat-analysis": { port: 4003, hostVariable: "THREATS_HOST", portVariable: "THREATS_PORT", urlVariable: "THREATS_URL", main: "subgraphs/threat-analysis/main.js", calls: ["cases", "attachments"] },
};

/** Every service, subgraphs first (the gateway needs them up to answer). */
export const SERVICES: Record<ServiceName, ServiceTopology> = { ...SUBGRAPHS, gateway: GATEWAY };

/** `http://<host>:<port>/graphql` of a subgraph; the default port unless given. */
export function subgraphUrl(name: SubgraphName, port = SUBGRAPHS[name].port, host = DEFAULT_HOST): string {
  return `http://${host}:${port}/graphql`;
}

/** Origin clients use by default: the gateway on this machine (download links point here). */
export const DEFAULT_PUBLIC_URL = `http://localhost:${GATEWAY.port}`;

/**
 * Audience of the identity token the gateway signs for `subgraph`: the subgraph itself and every
 * subgraph it may call onward, directly or through another (the caller's token travels with those
 * calls, so each of them must accept it). Nothing else.
 */
export function identityAudience(subgraph: SubgraphName): SubgraphName[] {
  const reached: SubgraphName[] = [subgraph];
  for (let i = 0; i < reached.length; i++) {
    for (const next of SUBGRAPHS[reached[i]!].calls) if (!reached.includes(next)) reached.push(next);
  }
  return reached;
}

/**
 * The variables that put every service on `ports` (on `host`) and let each find the others: what
 * the benchmark and process-level tests hand to the services they start.
 */
export function topologyEnv(ports: Record<ServiceName, number>, host = DEFAULT_HOST): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, service] of Object.entries(SERVICES) as [ServiceName, ServiceTopology][]) {
    env[service.portVariable] = String(ports[name]);
    if (name !== "gateway") env[SUBGRAPHS[name].urlVariable] = subgraphUrl(name, ports[name], host);
  }
  env.PUBLIC_URL = `http://${host}:${ports.gateway}`;
  return env;
}
