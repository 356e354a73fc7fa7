import "reflect-metadata";
import { userInfo } from "node:os";
import { ApiKeyService } from "../gateway/access/api-key.service.js";
import { runApiKeyCommand } from "../gateway/access/api-key.cli.js";
import { openGatewayDatabase } from "../gateway/access/gateway-database.js";
import { gatewayConfig } from "../gateway/config.js";
import { createLogger } from "../subgraphs/kit/logger.js";
import { runCommand } from "./run-command.js";

/** `npm run apikey -- <command>`: partner API keys and partners (see API_KEY_USAGE). */
async function main(): Promise<number> {
  const config = gatewayConfig();
  const dataSource = await openGatewayDatabase(config);
  try {
    // Audit lines go where the gateway's go (LOG_FILE), else to stderr: stdout carries only the result.
    const logger = createLogger("apikey", config.logLevel, config.logFile ?? 2);
    const keys = new ApiKeyService(dataSource, { logger, rotationGraceSeconds: config.apiKeyRotationGraceSeconds });
    return await runApiKeyCommand(process.argv.slice(2), {
      keys,
      dataSource,
      logger,
      actor: userInfo().username,
      output: { out: (line) => console.log(line), err: (line) => console.error(line) },
    });
  } finally {
    await dataSource.destroy();
  }
}

runCommand(main);
