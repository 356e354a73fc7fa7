import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlDatabases, DATABASES } from "../../../test/support/databases.js";
import { eventually } from "../../../test/support/uploads.js";
import { createDataSource } from "../../kit/database.js";
import { hasCode } from "../../kit/errors.js";
import { inTransaction, isMysql } from "../../kit/transaction.js";
import { AttachmentEntity, AttachmentState } from "../attachment/attachment.entity.js";
import { attachmentsEntities } from "../attachments-subgraph.js";
import { attachmentsMigrations } from "../migrations/index.js";
import { StagingQuota } from "./staging-quota.service.js";

function stagedRow(organizationId: string, size: number): AttachmentEntity {
  const id = crypto.randomUUID();
  return Object.assign(new AttachmentEntity(), {
    id,
    caseId: null,
    organizationId,
    caseUpdateId: null,
    fileName: `${id}.bin`,
    size,
    contentType: "application/octet-stream",
    sha1: "0".repeat(40),
    sha256: "0".repeat(64),
    uploadedAt: new Date(),
    uploadedBy: { id: "u", name: "U", role: "CUSTOMER", email: null },
    state: AttachmentState.STAGED,
    encryptedZip: false,
    blobKey: id,
  });
}

describe.each(DATABASES)("staging quota on %s", (database) => {
  let dataSource: DataSource;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (database === "mysql") {
      const mysql = await createMysqlDatabases(["attachments"] as const);
      dataSource = createDataSource({ url: mysql.urls.attachments, sqlitePath: "", entities: attachmentsEntities, migrations: attachmentsMigrations });
      cleanup = mysql.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), "casegraph-quota-"));
      dataSource = createDataSource({ sqlitePath: join(dir, "attachments.sqlite"), entities: attachmentsEntities, migrations: attachmentsMigrations });
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await cleanup?.();
  });

  it("counts only the organization's STAGED bytes in what is left", async () => {
    const quota = new StagingQuota(dataSource, 1000);
    const attached = Object.assign(stagedRow("org-count", 500), { state: AttachmentState.ATTACHED });
    await dataSource.getRepository(AttachmentEntity).insert([stagedRow("org-count", 300), attached, stagedRow("someone-else", 900)]);
    expect(await quota.remaining("org-count")).toBe(700);
    expect(await quota.remaining("nobody-yet")).toBe(1000);
  });

  it("counts RESERVED bytes as staged ones: a released reservation gives its files back STAGED", async () => {
    const quota = new StagingQuota(dataSource, 1000);
    const reserved = Object.assign(stagedRow("org-reserved", 200), { state: AttachmentState.RESERVED, reservationId: crypto.randomUUID() });
    const attached = Object.assign(stagedRow("org-reserved", 400), { state: AttachmentState.ATTACHED });
    await dataSource.getRepository(AttachmentEntity).insert([stagedRow("org-reserved", 300), reserved, attached]);
    expect(await quota.remaining("org-reserved")).toBe(500);
  });

  it("makes a second staging of the same organization wait for the first to commit, then refuses what no longer fits", async () => {
    const quota = new StagingQuota(dataSource, 1000);
    // Unique, since other tests may share the MySQL server.
    const organizationId = `race-${crypto.randomUUID().slice(0, 8)}`;
    let commitFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (commitFirst = resolve));
    let firstReserved!: () => void;
    const firstHasReserved = new Promise<void>((resolve) => (firstReserved = resolve));
    const first = inTransaction(dataSource, async (tx) => {
      await quota.reserve(tx, organizationId, 600, new Date());
      await tx.insert(AttachmentEntity, stagedRow(organizationId, 600));
      firstReserved();
      await firstMayCommit;
    });
    await firstHasReserved;
    // Both fit alone (600 + 600 > 1000 only together): the second must see the first's row.
    const second = inTransaction(dataSource, async (tx) => {
      await quota.reserve(tx, organizationId, 600, new Date());
      await tx.insert(AttachmentEntity, stagedRow(organizationId, 600));
    });
    const outcome = second.then(
      () => "staged",
      (error: unknown) => (hasCode(error, "QUOTA_EXCEEDED") ? "QUOTA_EXCEEDED" : error),
    );
    if (isMysql(dataSource)) {
      // The second transaction's upsert of the organization's lock row is running, and cannot finish while the first is open.
      const waiting = `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ?`;
      await eventually(async () => Number((await dataSource.query(waiting, [`INSERT INTO \`staging_locks\`%${organizationId}%`]))[0].n) > 0);
    }
    commitFirst();
    await first;
    expect(await outcome).toBe("QUOTA_EXCEEDED");
    expect(await quota.remaining(organizationId)).toBe(400);
  });
});
