import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { SUBGRAPHS } from "../../subgraphs/kit/topology.js";
import { createMysqlDatabases, DATABASES } from "../support/databases.js";
import { signTestIdentity, TEST_FILE_LINK_SECRET, TEST_IDENTITY_KEYS } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { freePort } from "../support/process-graph.js";
import { REPO, serviceBuild, waitForOutput } from "../support/service-build.js";
import { encryptedZip, eventually, postMultipart } from "../support/uploads.js";

/** Storage bounds: the temporary bytes of an upload whose process was killed are swept when the service starts again. */
describe.each(DATABASES)("temporary blobs of a killed attachments process on %s", (database) => {
  let buildDir: string;
  let dataDir: string;
  let env: Record<string, string>;
  let rows: DataSource;
  let dropMysql: (() => Promise<void>) | undefined;
  let port: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "casegraph-temp-sweep-"));
    const mysql = database === "mysql" ? await createMysqlDatabases(["attachments"] as const) : undefined;
    dropMysql = mysql?.drop;
    port = await freePort();
    env = {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      LOG_LEVEL: "silent",
      DATA_DIR: dataDir,
      [SUBGRAPHS.attachments.portVariable]: String(port),
      IDENTITY_PUBLIC_KEY: TEST_IDENTITY_KEYS.env.IDENTITY_PUBLIC_KEY,
      FILE_LINK_SECRET: TEST_FILE_LINK_SECRET,
      ...(mysql ? { ATTACHMENTS_DATABASE_URL: mysql.urls.attachments } : {}),
    };
    buildDir = await serviceBuild();
    // Read from outside, as the process wrote it: no entity classes, no schema changes.
    rows = new DataSource(
      mysql ? { type: "mysql", url: mysql.urls.attachments.replace(/^mariadb:/, "mysql:"), poolSize: 1 } : { type: "better-sqlite3", database: join(dataDir, "attachments.sqlite"), readonly: true, timeout: 5_000 },
    );
  }, 180_000);

  afterAll(async () => {
    if (rows?.isInitialized) await rows.destroy();
    await dropMysql?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<ChildProcess> {
    // stdout carries the "listening on" line, printed once the sweep at start-up is done and the service is ready.
    const child = spawn(process.execPath, [join(buildDir, SUBGRAPHS.attachments.main)], { cwd: REPO, env, stdio: ["ignore", "pipe", "ignore"] });
    await waitForOutput(child, /listening on/);
    return child;
  }

  const temporaries = () => (existsSync(join(dataDir, "blobs", "tmp")) ? readdirSync(join(dataDir, "blobs", "tmp")) : []);
  const uploadDirect = (files: Parameters<typeof postMultipart>[1]["files"]) =>
    postMultipart(`http://127.0.0.1:${port}/graphql`, {
      input: { organizationId: "acme" },
      files,
      headers: { "apollo-require-preflight": "true", [IDENTITY_HEADER]: signTestIdentity(PRINCIPALS.acme, "attachments") },
    });
  async function fileNames(): Promise<string[]> {
    if (!rows.isInitialized) await rows.initialize();
    return (await rows.query("SELECT file_name AS fileName FROM attachments")).map((row: { fileName: string }) => row.fileName).sort();
  }

  it("after SIGKILL mid-upload and a restart, no temporary bytes older than TEMP_BLOB_MAX_AGE_SECONDS remain and no row of the upload exists", async () => {
    const first = await start();
    // A finished upload, and proof that the archive check's worker runs from the tsc build.
    const finished = await uploadDirect([{ name: "sample.zip", data: await encryptedZip("virus") }]);
    expect(finished.errors).toBeUndefined();
    expect(await fileNames()).toEqual(["sample.zip"]);
    expect(Number((await rows.query("SELECT encrypted_zip AS encrypted FROM attachments"))[0].encrypted)).toBe(1);

    // An upload that sends 2 MB, then stalls until its process is killed.
    const chunk = Buffer.alloc(256 * 1024, 7);
    const interrupted = uploadDirect([
      {
        name: "interrupted.dmp",
        async *data() {
          for (let i = 0; i < 8; i++) yield chunk;
          await new Promise(() => undefined);
        },
      },
    ]);
    interrupted.catch(() => undefined);
    await eventually(() => temporaries().length === 1 && statSync(join(dataDir, "blobs", "tmp", temporaries()[0]!)).size >= 1024 * 1024, 20_000);
    const killed = new Promise((resolve) => first.once("exit", resolve));
    first.kill("SIGKILL");
    await killed;
    await expect(interrupted).rejects.toThrow();

    // What the killed process left: its temporary file. Make it two hours old, as if the restart came later.
    const [orphan] = temporaries();
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(dataDir, "blobs", "tmp", orphan!), twoHoursAgo, twoHoursAgo);
    // An upload of another replica sharing the store, still being written: younger than the threshold, it stays.
    writeFileSync(join(dataDir, "blobs", "tmp", "3f1c8a52-7e43-4c9d-9a4b-1d2e3f405162"), "in flight elsewhere");

    const second = await start();
    try {
      expect(temporaries()).toEqual(["3f1c8a52-7e43-4c9d-9a4b-1d2e3f405162"]);
      expect(await fileNames()).toEqual(["sample.zip"]);
      const after = await uploadDirect([{ name: "after-restart.log", data: Buffer.from("the service takes uploads again") }]);
      expect(after.errors).toBeUndefined();
    } finally {
      const stopped = new Promise((resolve) => second.once("exit", resolve));
      second.kill("SIGTERM");
      await stopped;
    }
  });
});
