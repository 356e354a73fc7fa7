import type { MigrationInterface } from "typeorm";
import { Initial1795641734145 } from "./1795641734145-initial.js";
import { ApiKeys1795642607724 } from "./1795642607724-apiKeys.js";
import { IdempotencyRecords1795643438117 } from "./1795643438117-idempotencyRecords.js";
import { ClientsInTheField1796122874471 } from "./1796122874471-clientsInTheField.js";

/** MySQL migrations, oldest first (`npm run migrations -- generate <Name>` adds one). */
export const gatewayMigrations: (new () => MigrationInterface)[] = [Initial1795641734145, ApiKeys1795642607724, IdempotencyRecords1795643438117, ClientsInTheField1796122874471];
