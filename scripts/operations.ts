import "reflect-metadata";
import { userInfo } from "node:os";
import { openGatewayDatabase } from "../gateway/access/gateway-database.js";
import { gatewayConfig } from "../gateway/config.js";
import { runOperationsCommand } from "../gateway/operations/operations.cli.js";
import { PersistedOperationsService } from "../gateway/operations/persisted-operations.service.js";
import { createLogger } from "../subgraphs/kit/logger.js";
import { runCommand } from "./run-command.js";

/** `npm run operations -- <command>`: persisted operations of the graph's own clients (see OPERATIONS_USAGE). */
async function main(): Promise<number> {
  const config = gatewayConfig();
  const dataSource = await openGatewayDatabase(config);
  try {
    // Audit lines go where the gateway's go (LOG_FILE), else to stderr: stdout carries only the result.
    const logger = createLogger("operations", config.logLevel, config.logFile ?? 2);
    return await runOperationsCommand(process.argv.slice(2), {
      operations: new PersistedOperationsService(dataSource, { logger }),
      queryLimits: config.queryLimits,
      actor: userInfo().username,
      output: { out: (line) => console.log(line), err: (line) => console.error(line) },
    });
  } finally {
    await dataSource.destroy();
  }
}

runCommand(main);
