import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayConfig } from "../../gateway/config.js";
import { createGateway, type Gateway } from "../../gateway/gateway.js";
import { TEST_IDENTITY_SECRET, TEST_JWT_SECRET, type TestGraph } from "./graph.js";

export interface ExtraGateway {
  gateway: Gateway;
  url: string;
  stop(): Promise<void>;
}

/**
 * Another gateway over the subgraphs of `graph` (a second replica, or one with other settings), with a
 * database of its own; `env` overrides anything, for example THREATS_URL to put a test double in between.
 */
export async function startGatewayOver(graph: TestGraph, env: Record<string, string> = {}): Promise<ExtraGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "casegraph-gateway-"));
  const gateway = await createGateway(
    gatewayConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATA_DIR: dataDir,
      IDENTITY_SECRET: TEST_IDENTITY_SECRET,
      JWT_SECRET: TEST_JWT_SECRET,
      CASES_URL: graph.urls.cases,
      ATTACHMENTS_URL: graph.urls.attachments,
      THREATS_URL: graph.urls["threat-analysis"],
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
