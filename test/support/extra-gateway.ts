import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayConfig } from "../../gateway/config.js";
import { createGateway, type Gateway } from "../../gateway/gateway.js";
import { SUBGRAPH_NAMES, SUBGRAPHS } from "../../subgraphs/kit/topology.js";
import { TEST_JWT_SECRET, type TestGraph } from "./graph.js";
import { TEST_KEY_ENV } from "./identity-keys.js";

export interface ExtraGateway {
  gateway: Gateway;
  url: string;
  stop(): Promise<void>;
}

/**
 * Another gateway over the subgraphs of `graph` (a second replica, or one with other settings), with a
 * database of its own; `env` overrides anything, for example THREATS_URL to put a test double in between.
 * With JWKS_URL in `env` (an identity provider, which production requires) there is no JWT_SECRET.
 */
export async function startGatewayOver(graph: TestGraph, env: Record<string, string> = {}): Promise<ExtraGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "casegraph-gateway-"));
  const gateway = await createGateway(
    gatewayConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATA_DIR: dataDir,
      ...TEST_KEY_ENV,
      ...(env.JWKS_URL ? {} : { JWT_SECRET: TEST_JWT_SECRET }),
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [SUBGRAPHS[name].urlVariable, graph.urls[name]])),
      ...env,
    }),
  );
  const url = await gateway.listen(0);
  return {
    gateway,
    url,
    async stop() {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
