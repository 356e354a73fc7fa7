import "reflect-metadata";
import { userInfo } from "node:os";
import { openGatewayDatabase } from "../gateway/access/gateway-database.js";
import { findPartner } from "../gateway/access/partner.service.js";
import { gatewayConfig } from "../gateway/config.js";
import { casesEntities } from "../subgraphs/cases/cases.entities.js";
import { casesConfig } from "../subgraphs/cases/config.js";
import { casesMigrations } from "../subgraphs/cases/migrations/index.js";
import { runWebhookCommand } from "../subgraphs/cases/webhook/webhook.cli.js";
import { WebhookService } from "../subgraphs/cases/webhook/webhook.service.js";
import { createDataSource } from "../subgraphs/kit/database.js";
import { createLogger } from "../subgraphs/kit/logger.js";
import { runCommand } from "./run-command.js";

/**
 * `npm run webhook -- <command>`: partner webhook endpoints (see WEBHOOK_USAGE). Endpoints live in the
 * cases database; which organizations a partner manages is read from the gateway's partner records.
 */
async function main(): Promise<number> {
  const config = casesConfig();
  const cases = createDataSource({ url: config.databaseUrl, sqlitePath: config.sqlitePath, entities: casesEntities, migrations: casesMigrations });
  await cases.initialize();
  const gateway = await openGatewayDatabase(gatewayConfig());
  try {
    // Audit lines go to stderr: stdout carries only the result (a secret).
    const logger = createLogger("webhook", config.logLevel, 2);
    const webhooks = new WebhookService(cases, {
      clock: () => new Date(),
      retryHours: config.webhooks.retryHours,
      secretOverlapHours: config.webhooks.secretOverlapHours,
      addressPolicy: { allowedAddresses: config.webhooks.allowedAddresses },
      logger,
    });
    return await runWebhookCommand(process.argv.slice(2), {
      webhooks,
      partnerOrganizations: async (partnerId) => (await findPartner(gateway, partnerId))?.organizationIds ?? null,
      actor: userInfo().username,
      output: { out: (line) => console.log(line), err: (line) => console.error(line) },
    });
  } finally {
    await gateway.destroy();
    await cases.destroy();
  }
}

runCommand(main);
