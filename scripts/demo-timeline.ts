import { DataSource, type DataSourceOptions } from "typeorm";
import { attachmentsEntities } from "../subgraphs/attachments/attachments-subgraph.js";
import { attachmentsConfig } from "../subgraphs/attachments/config.js";
import { casesEntities } from "../subgraphs/cases/cases.entities.js";
import { casesConfig } from "../subgraphs/cases/config.js";
import { createDataSource, type DatabaseOptions } from "../subgraphs/kit/database.js";
import { threatsConfig } from "../subgraphs/threat-analysis/config.js";
import { threatsEntities } from "../subgraphs/threat-analysis/threats-subgraph.js";

const HOUR_MS = 60 * 60 * 1000;

/** Hours between two demo cases' registrations: the story spreads over the past day and a half. */
export const DEMO_HOURS_BETWEEN_CASES = 1.5;

/** A datetime column moved `seconds` back, in the database's own SQL (NULL stays NULL). */
function earlier(dataSource: DataSource, column: string, seconds: number): string {
  const type = dataSource.options.type;
  if (type === "mysql" || type === "mariadb") return `DATE_SUB(${column}, INTERVAL ${seconds} SECOND)`;
  // TypeORM keeps SQLite datetimes as UTC `YYYY-MM-DD HH:MM:SS.SSS` text, which strftime's %f writes back.
  return `strftime('%Y-%m-%d %H:%M:%f', ${column}, '-${seconds} seconds')`;
}

/**
 * Moves every timestamp of a case's rows back by `seconds`, in one database: the `cases` row itself
 * and the rows of every table with a `case_id` column (history, updates, mail, files, threat results,
 * requests, outboxes). What happened on a case stays in its order, only earlier.
 */
async function moveCaseBack(dataSource: DataSource, caseId: string, seconds: number): Promise<void> {
  const quote = (name: string) => dataSource.driver.escape(name);
  for (const metadata of dataSource.entityMetadatas) {
    const key = metadata.tableName === "cases" ? metadata.findColumnWithDatabaseName("id") : metadata.findColumnWithPropertyName("caseId");
    if (!key) continue;
    const datetimes = metadata.columns.filter((column) => column.type === "datetime");
    if (datetimes.length === 0) continue;
    const assignments = datetimes.map((column) => `${quote(column.databaseName)} = ${earlier(dataSource, quote(column.databaseName), seconds)}`).join(", ");
    await dataSource.query(`UPDATE ${quote(metadata.tableName)} SET ${assignments} WHERE ${quote(key.databaseName)} = ?`, [caseId]);
  }
}

/**
 * The demo story is loaded in a minute, so everything in it would have happened just now and no
 * response target (docs/domain.md, "Response targets") could have run out. This spreads it over time,
 * as a real portal's cases would be: case i of n (in case-number order) is moved back
 * (n - 1 - i) x DEMO_HOURS_BETWEEN_CASES hours in every database, with all that happened on it. So the
 * first cases wait past their due time (overdue cases and requests in the engineers' queue) and the
 * latest are still within it. `npm start` runs it right after loading the story into empty databases.
 */
export async function spreadDemoStoryOverTime(databases: { cases: DataSource; others: readonly DataSource[] }, hoursBetween = DEMO_HOURS_BETWEEN_CASES): Promise<void> {
  const ids = (await databases.cases.query<{ id: string }[]>("SELECT id FROM cases ORDER BY case_number")).map((row) => row.id);
  for (const [index, id] of ids.entries()) {
    const seconds = Math.round(((ids.length - 1 - index) * hoursBetween * HOUR_MS) / 1000);
    if (seconds === 0) continue;
    for (const dataSource of [databases.cases, ...databases.others]) await moveCaseBack(dataSource, id, seconds);
  }
}

/** A second connection to a service's database (the service keeps its own): no schema changes, no migrations. */
export async function openExistingDatabase(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, synchronize: false, migrationsRun: false });
  return dataSource.initialize();
}

/** `spreadDemoStoryOverTime` on the databases of the services `npm start` runs, as their environment configures them. */
export async function spreadDemoStoryInServices(env: Record<string, string | undefined>): Promise<void> {
  const open = (config: { databaseUrl?: string; sqlitePath: string }, entities: DatabaseOptions["entities"]) =>
    openExistingDatabase(createDataSource({ url: config.databaseUrl, sqlitePath: config.sqlitePath, entities, migrations: [] }).options);
  const cases = await open(casesConfig(env), casesEntities);
  const others = [await open(attachmentsConfig(env), attachmentsEntities), await open(threatsConfig(env), threatsEntities)];
  try {
    await spreadDemoStoryOverTime({ cases, others });
  } finally {
    for (const dataSource of [cases, ...others]) await dataSource.destroy();
  }
}
