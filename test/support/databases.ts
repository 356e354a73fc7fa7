import { randomBytes } from "node:crypto";
import { createConnection } from "mysql2/promise";

export type Database = "sqlite" | "mysql";

/** The MySQL (or MariaDB, `mariadb://`) server the data tests use; each test graph makes its own databases on it. */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL || "mariadb://root@127.0.0.1:3306";

function driverUrl(url: string): string {
  return url.replace(/^mariadb:/, "mysql:");
}

async function mysqlReachable(): Promise<boolean> {
  try {
    const connection = await createConnection({ uri: driverUrl(TEST_MYSQL_URL), connectTimeout: 3_000 });
    await connection.end();
    return true;
  } catch (error) {
    if (process.env.CI === "true") throw new Error(`MySQL at ${TEST_MYSQL_URL} is unreachable, and CI must run every data test on it: ${String(error)}`, { cause: error });
    console.warn(`MySQL at ${TEST_MYSQL_URL} is unreachable: data tests run on SQLite only`);
    return false;
  }
}

const mysql = await mysqlReachable();

/** Every database the data tests run on: SQLite always, MySQL when reachable (always under CI=true). */
export const DATABASES: Database[] = mysql ? ["sqlite", "mysql"] : ["sqlite"];

/** Creates empty MySQL databases named after `names` and returns their URLs and a function that drops them. */
export async function createMysqlDatabases<T extends string>(names: readonly T[]): Promise<{ urls: Record<T, string>; drop: () => Promise<void> }> {
  const suffix = randomBytes(4).toString("hex");
  const admin = await createConnection(driverUrl(TEST_MYSQL_URL));
  const urls = {} as Record<T, string>;
  const created: string[] = [];
  for (const name of names) {
    const database = `cgtest_${suffix}_${name.replace(/-/g, "_")}`;
    await admin.query(`CREATE DATABASE \`${database}\``);
    created.push(database);
    urls[name] = `${TEST_MYSQL_URL.replace(/\/$/, "")}/${database}`;
  }
  await admin.end();
  return {
    urls,
    drop: async () => {
      const connection = await createConnection(driverUrl(TEST_MYSQL_URL));
      for (const database of created) await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await connection.end();
    },
  };
}
