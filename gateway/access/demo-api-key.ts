import { SCOPES } from "../../subgraphs/kit/principal.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import type { GatewayConfig } from "../config.js";
import { ApiKeyService } from "./api-key.service.js";
import { openGatewayDatabase } from "./gateway-database.js";
import { DEMO_PARTNERS, ensureDemoPartners } from "./partner.service.js";

/** Label of the demo key; its presence (even revoked) means the demo key was handed out already. */
export const DEMO_API_KEY_LABEL = "demo";

/**
 * On the embedded default's first start: an API key of the demo partner initech with every scope.
 * Returns the key when it was created now (print it: it is never shown again), else null.
 */
export async function createDemoApiKeyOnce(config: GatewayConfig): Promise<string | null> {
  const dataSource = await openGatewayDatabase(config);
  try {
    await ensureDemoPartners(dataSource);
    const keys = new ApiKeyService(dataSource, { logger: createLogger("gateway", config.logLevel, config.logFile), rotationGraceSeconds: config.apiKeyRotationGraceSeconds });
    const partnerId = DEMO_PARTNERS[0]!.id;
    if ((await keys.list(partnerId)).some((key) => key.label === DEMO_API_KEY_LABEL)) return null;
    return (await keys.create({ partnerId, scopes: SCOPES, label: DEMO_API_KEY_LABEL, actor: "npm start (demo data)" })).key;
  } finally {
    await dataSource.destroy();
  }
}
