import type { DataSource } from "typeorm";
import { createDataSource } from "../../subgraphs/kit/database.js";
import type { GatewayConfig } from "../config.js";
import { gatewayEntities } from "../gateway.js";
import { gatewayMigrations } from "../migrations/index.js";

/** The gateway's database as the gateway opens it (for the CLI and `npm start`, outside the gateway process). */
export async function openGatewayDatabase(config: GatewayConfig): Promise<DataSource> {
  const dataSource = createDataSource({ url: config.databaseUrl, sqlitePath: config.sqlitePath, entities: gatewayEntities, migrations: gatewayMigrations, poolSize: 2 });
  await dataSource.initialize();
  return dataSource;
}
