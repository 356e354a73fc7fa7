import "reflect-metadata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { createMysqlDatabases, DATABASES } from "../../test/support/databases.js";
import { CaseUpdateEntity } from "../cases/case-update/case-update.entity.js";
import { type Actor, ActorRole } from "./actor.js";
import { loadChildPages } from "./child-pages.js";
import { createDataSource } from "./database.js";
import { entitiesFromRows } from "./raw-rows.js";

const CASE_A = "00000000-0000-4000-8000-00000000000a";
const CASE_B = "00000000-0000-4000-8000-00000000000b";

/** Five updates of case A a minute apart (the third asked to reopen), one of case B. */
function updates(): CaseUpdateEntity[] {
  const author: Actor = { id: "u-1", name: "Aiko Tanaka", role: ActorRole.CUSTOMER, email: "customer@acme.example" };
  const rows = Array.from({ length: 5 }, (_, i) =>
    Object.assign(new CaseUpdateEntity(), { id: `update-a-${i}`, caseId: CASE_A, body: `Update ${i}`, author, requestedReopen: i === 2, createdAt: new Date(Date.UTC(2026, 0, 1, 9, i, 0, 123)) }),
  );
  rows.push(Object.assign(new CaseUpdateEntity(), { id: "update-b-0", caseId: CASE_B, body: "Only one", author: { ...author, email: null }, requestedReopen: false, createdAt: new Date(Date.UTC(2026, 0, 2)) }));
  return rows;
}

describe.each(DATABASES)("rows read with plain SQL on %s", (database) => {
  let dataSource: DataSource;
  let drop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    let url: string | undefined;
    if (database === "mysql")
      ({
        urls: { cases: url },
        drop,
      } = await createMysqlDatabases(["cases"]));
    dataSource = createDataSource({ url, sqlitePath: ":memory:", entities: [CaseUpdateEntity], migrations: [] });
    Object.assign(dataSource.options, { synchronize: true, migrationsRun: false });
    await dataSource.initialize();
    await dataSource.getRepository(CaseUpdateEntity).save(updates());
  });

  afterAll(async () => {
    await dataSource.destroy();
    await drop();
  });

  it("become the same entities as TypeORM's own read (dates, booleans, the embedded author, a null email)", async () => {
    const raw: Record<string, unknown>[] = await dataSource.query("SELECT * FROM case_updates ORDER BY id");
    const own = await dataSource.getRepository(CaseUpdateEntity).find({ order: { id: "ASC" } });
    const read = entitiesFromRows(dataSource, CaseUpdateEntity, raw);
    expect(read).toEqual(own);
    expect(read[0]).toBeInstanceOf(CaseUpdateEntity);
    expect(read.find((row) => row.id === "update-a-2")!.requestedReopen).toBe(true);
    expect(read.find((row) => row.id === "update-b-0")!.author.email).toBeNull();
  });

  it("page each parent's children newest first in one statement, as many as asked per parent, from a position on", async () => {
    const query = { table: "case_updates", parentColumn: "case_id", orderColumn: "created_at", parentIds: [CASE_A, CASE_B], perParent: 3 };
    const pages = await loadChildPages(
      dataSource,
      CaseUpdateEntity,
      { ...query, after: null },
      (r) => r.caseId,
      (r) => r.createdAt,
    );
    expect(pages.get(CASE_A)!.map((r) => r.id)).toEqual(["update-a-4", "update-a-3", "update-a-2"]);
    expect(pages.get(CASE_B)!.map((r) => r.id)).toEqual(["update-b-0"]);
    const after = await loadChildPages(
      dataSource,
      CaseUpdateEntity,
      { ...query, after: { value: new Date(Date.UTC(2026, 0, 1, 9, 2, 0, 123)).toISOString(), id: "update-a-2" } },
      (r) => r.caseId,
      (r) => r.createdAt,
    );
    expect(after.get(CASE_A)!.map((r) => r.id)).toEqual(["update-a-1", "update-a-0"]);
    expect(after.get(CASE_A)![0]).toEqual(await dataSource.getRepository(CaseUpdateEntity).findOneBy({ id: "update-a-1" }));
  });
});
