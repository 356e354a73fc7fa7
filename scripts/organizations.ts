import "reflect-metadata";
import { casesEntities } from "../subgraphs/cases/cases.entities.js";
import { casesConfig } from "../subgraphs/cases/config.js";
import { casesMigrations } from "../subgraphs/cases/migrations/index.js";
import { runOrganizationsCommand } from "../subgraphs/cases/organization/organization.cli.js";
import { createDataSource } from "../subgraphs/kit/database.js";
import { runCommand } from "./run-command.js";

/** `npm run organizations -- <command>`: customer organizations and product profiles (see ORGANIZATIONS_USAGE). */
async function main(): Promise<number> {
  const config = casesConfig();
  const dataSource = createDataSource({ url: config.databaseUrl, sqlitePath: config.sqlitePath, entities: casesEntities, migrations: casesMigrations });
  await dataSource.initialize();
  try {
    return await runOrganizationsCommand(
      process.argv.slice(2),
      dataSource,
      (line) => console.log(line),
      (line) => console.error(line),
    );
  } finally {
    await dataSource.destroy();
  }
}

runCommand(main);
