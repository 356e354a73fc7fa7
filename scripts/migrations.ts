import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { gatewayEntities } from "../gateway/gateway.js";
import { gatewayMigrations } from "../gateway/migrations/index.js";
import { attachmentsEntities } from "../subgraphs/attachments/attachments-subgraph.js";
import { attachmentsMigrations } from "../subgraphs/attachments/migrations/index.js";
import { casesEntities } from "../subgraphs/cases/cases.entities.js";
import { casesMigrations } from "../subgraphs/cases/migrations/index.js";
import { createDataSource } from "../subgraphs/kit/database.js";
import { threatsMigrations } from "../subgraphs/threat-analysis/migrations/index.js";
import { threatsEntities } from "../subgraphs/threat-analysis/threats-subgraph.js";
import { runCommand } from "./run-command.js";

/** Every database and where its MySQL migrations live. */
export const DATABASES = [
  { name: "cases", folder: "subgraphs/cases/migrations", entities: casesEntities, migrations: casesMigrations },
  { name: "attachments", folder: "subgraphs/attachments/migrations", entities: attachmentsEntities, migrations: attachmentsMigrations },
  { name: "threats", folder: "subgraphs/threat-analysis/migrations", entities: threatsEntities, migrations: threatsMigrations },
  { name: "gateway", folder: "gateway/migrations", entities: gatewayEntities, migrations: gatewayMigrations },
];

const usage = `npm run migrations -- generate <MigrationName>   writes the MySQL migration each database needs to match its entities
npm run migrations -- check                      exits 1 when an entity change has no migration
(MYSQL_URL, default mariadb://root@127.0.0.1:3306, must allow CREATE DATABASE; mysql:// for MySQL 8)`;

function render(className: string, up: string[], down: string[]): string {
  const lines = (queries: string[]) => queries.map((q) => `    await queryRunner.query(${JSON.stringify(q)});`).join("\n");
  return `import type { MigrationInterface, QueryRunner } from "typeorm";

export class ${className} implements MigrationInterface {
  name = "${className}";

  async up(queryRunner: QueryRunner): Promise<void> {
${lines(up)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${lines(down)}
  }
}
`;
}

function renderIndex(folder: string, exportName: string): string {
  const files = readdirSync(folder)
    .filter((f) => /^\d+-.*\.ts$/.test(f))
    .sort();
  const imports = ['import type { MigrationInterface } from "typeorm";', ...files.map((f) => `import { ${className(f)} } from "./${f.replace(/\.ts$/, ".js")}";`)].join("\n");
  return `${imports}\n\n/** MySQL migrations, oldest first (\`npm run migrations -- generate <Name>\` adds one). */\nexport const ${exportName}: (new () => MigrationInterface)[] = [${files.map(className).join(", ")}];\n`;
}

function className(file: string): string {
  const [timestamp, ...words] = file.replace(/\.ts$/, "").split("-");
  return `${words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")}${timestamp}`;
}

async function pendingSchemaChanges(serverUrl: string, database: (typeof DATABASES)[number]) {
  const scratch = `casegraph_migrate_${database.name}_${process.pid}`;
  const admin = await createConnection(serverUrl.replace(/^mariadb:/, "mysql:"));
  await admin.query(`CREATE DATABASE \`${scratch}\``);
  const dataSource = createDataSource({ url: `${serverUrl.replace(/\/$/, "")}/${scratch}`, sqlitePath: "", entities: database.entities, migrations: database.migrations });
  try {
    await dataSource.initialize();
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return { up: sql.upQueries.map((q) => q.query), down: sql.downQueries.reverse().map((q) => q.query) };
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await admin.query(`DROP DATABASE \`${scratch}\``);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const serverUrl = process.env.MYSQL_URL || "mariadb://root@127.0.0.1:3306";
  if (command !== "generate" && command !== "check") return console.log(usage);
  if (command === "generate" && !/^[A-Za-z][A-Za-z0-9]*$/.test(name ?? "")) throw new Error(`Give a migration name in CamelCase.\n${usage}`);
  let stale = 0;
  for (const database of DATABASES) {
    const { up, down } = await pendingSchemaChanges(serverUrl, database);
    if (up.length === 0) {
      console.log(`${database.name}: up to date`);
      continue;
    }
    stale++;
    if (command === "check") {
      console.log(`${database.name}: ${up.length} statements missing a migration`);
      continue;
    }
    const file = `${Date.now()}-${name![0]!.toLowerCase()}${name!.slice(1)}.ts`;
    writeFileSync(join(database.folder, file), render(className(file), up, down));
    const exportName = `${database.name === "threats" ? "threats" : database.name}Migrations`;
    writeFileSync(join(database.folder, "index.ts"), renderIndex(database.folder, exportName));
    console.log(`${database.name}: wrote ${database.folder}/${file} (${up.length} statements)`);
  }
  if (command === "check" && stale > 0) process.exit(1);
}

runCommand(main);
