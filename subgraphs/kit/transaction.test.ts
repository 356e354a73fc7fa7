import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestDataSource, openTestDataSource } from "../../test/support/data-source.js";
import { DATABASES } from "../../test/support/databases.js";
import { inTransaction, onRollback } from "./transaction.js";

/** Undo work for writes a server keeps when a transaction rolls back (Mroonga in storage mode: search-index.ts). */
describe.each(DATABASES)("onRollback on %s", (database) => {
  let db: TestDataSource;
  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: [], migrations: [] });
  });
  afterAll(() => db?.close());

  it("runs after a MySQL transaction rolls back, never after a commit, outside a transaction or on SQLite", async () => {
    const ran: string[] = [];
    await inTransaction(db.dataSource, async () => onRollback(async () => void ran.push("committed")));
    await expect(
      inTransaction(db.dataSource, async () => {
        onRollback(async () => void ran.push("rolled back"));
        throw new Error("the change fails");
      }),
    ).rejects.toThrow("the change fails");
    onRollback(async () => void ran.push("outside"));
    expect(ran).toEqual(database === "mysql" ? ["rolled back"] : []);
  });

  it("keeps the transaction's error when the undo work fails", async () => {
    await expect(
      inTransaction(db.dataSource, async () => {
        onRollback(async () => {
          throw new Error("the undo fails");
        });
        throw new Error("the change fails");
      }),
    ).rejects.toThrow("the change fails");
  });
});
