import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { createConnection } from "mysql2/promise";
import type { Supervisor } from "./processes.js";

const run = promisify(execFile);

export interface MariadbServer {
  name: string;
  port: number;
  /** `mariadb://root@127.0.0.1:<port>` (append `/<database>`). */
  url: string;
  /** Runs statements as root, on a connection of its own. */
  sql(statements: string | string[]): Promise<unknown[]>;
}

/** Answers SELECT 1 as root over TCP. */
async function answers(port: number): Promise<boolean> {
  const connection = await createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1_000 });
  try {
    await connection.query("SELECT 1");
    return true;
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/**
 * One `mariadbd` of its own: a data directory created by `mariadb-install-db` (root without password
 * on loopback), its own port and socket, the binary log with GTIDs (a primary, and what a replica
 * needs to be promoted). Nothing of the machine's own MariaDB is touched.
 */
export interface MariadbOptions {
  name: string;
  dir: string;
  port: number;
  serverId: number;
  replica?: boolean;
}

/** Creates the data directory (`mariadb-install-db`); one at a time: two bootstraps at once have collided on the system tables. */
export async function installMariadb(options: MariadbOptions): Promise<void> {
  const datadir = join(options.dir, "data");
  const tmpdir = join(options.dir, "tmp");
  mkdirSync(datadir, { recursive: true });
  mkdirSync(tmpdir, { recursive: true });
  await run("mariadb-install-db", ["--no-defaults", `--datadir=${datadir}`, `--tmpdir=${tmpdir}`, "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], {
    timeout: 120_000,
  });
}

/** Starts the server of a data directory made by `installMariadb`. */
export async function startMariadb(supervisor: Supervisor, options: MariadbOptions): Promise<MariadbServer> {
  const datadir = join(options.dir, "data");
  const args = [
    "--no-defaults",
    `--datadir=${datadir}`,
    `--tmpdir=${join(options.dir, "tmp")}`,
    "--user=root",
    "--bind-address=127.0.0.1",
    `--port=${options.port}`,
    `--socket=${join(options.dir, "mysqld.sock")}`,
    `--pid-file=${join(options.dir, "mysqld.pid")}`,
    "--skip-name-resolve",
    `--server-id=${options.serverId}`,
    "--log-bin=binlog",
    "--binlog-format=ROW",
    "--gtid-strict-mode=ON",
    "--log-slave-updates=ON",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=48M",
    "--innodb-flush-log-at-trx-commit=2",
    "--max-connections=400",
    ...(options.replica ? ["--read-only=ON", "--relay-log=relay"] : []),
  ];
  await supervisor.start({ name: options.name, command: "/usr/sbin/mariadbd", args, ready: () => answers(options.port), readyTimeoutMs: 90_000 });
  const url = `mariadb://root@127.0.0.1:${options.port}`;
  return {
    name: options.name,
    port: options.port,
    url,
    async sql(statements) {
      const connection = await createConnection({ host: "127.0.0.1", port: options.port, user: "root", connectTimeout: 5_000 });
      try {
        const results: unknown[] = [];
        for (const statement of Array.isArray(statements) ? statements : [statements]) results.push((await connection.query(statement))[0]);
        return results;
      } finally {
        await connection.end().catch(() => undefined);
      }
    },
  };
}

/** Makes `replica` follow `primary` by GTID from the start (both are fresh), reconnecting every second when the primary goes away. */
export async function followPrimary(replica: MariadbServer, primary: MariadbServer): Promise<void> {
  await replica.sql(["STOP SLAVE", `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`, "START SLAVE"]);
}

/** The replica's `SHOW SLAVE STATUS` row (IO and SQL thread running, seconds behind, last error). */
export async function replicaStatus(replica: MariadbServer): Promise<Record<string, unknown>> {
  const [rows] = (await replica.sql("SHOW SLAVE STATUS")) as Record<string, unknown>[][];
  return rows?.[0] ?? {};
}

/** Waits until the replica has applied everything the primary has written so far (MASTER_GTID_WAIT). */
export async function waitForReplica(replica: MariadbServer, primary: MariadbServer, timeoutSeconds = 30): Promise<void> {
  const [rows] = (await primary.sql("SELECT @@gtid_binlog_pos AS pos")) as { pos: string }[][];
  const [waited] = (await replica.sql(`SELECT MASTER_GTID_WAIT('${rows![0]!.pos}', ${timeoutSeconds}) AS result`)) as { result: number }[][];
  if (Number(waited![0]!.result) !== 0) throw new Error(`the replica did not catch up with the primary (${rows![0]!.pos}) within ${timeoutSeconds} s`);
}
