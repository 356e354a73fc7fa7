import type { DataSource, EntityManager } from "typeorm";
import { inTransaction, isMysql, onRollback, writeLock } from "../../kit/transaction.js";
import { CaseUpdateEntity } from "../case-update/case-update.entity.js";
import { CaseEntity } from "../case/case.entity.js";
import { TEXT_COLUMN_BYTES } from "../case/case.rules.js";
import { CaseSearchDocument } from "./case-search-document.entity.js";
import { deleteWords, writeWords } from "./mroonga-words.js";
import { CREATE_FTS5_TABLE, FTS5_TABLE } from "./search-plan.js";
import { indexText, organizationToken } from "./search-text.js";

/** What other subgraphs told the case: names of files attached to it, detection names and URLs of its analysis results. */
export interface SearchAdditions {
  fileNames?: readonly (string | null | undefined)[];
  analysisTerms?: readonly (string | null | undefined)[];
}

/** Per MySQL database: whether its documents table keeps the writes of a rolled-back transaction (Mroonga in storage mode). */
const nonTransactional = new WeakMap<DataSource, Promise<boolean>>();

/** Databases whose FTS5 table is known to exist (prepareSearchPlan makes it at start; services built without it make it on first use). */
const fts5Ready = new WeakSet<DataSource>();

type CaseText = Pick<CaseEntity, "id" | "organizationId" | "caseNumber" | "title" | "description">;

function lines(text: string | null | undefined): string[] {
  return text ? text.split("\n").filter((line) => line !== "") : [];
}

/** Distinct non-empty values, first seen first, each on one line. */
function merged(existing: string | null | undefined, added: readonly (string | null | undefined)[] = []): string {
  const values = [...lines(existing), ...added.map((v) => (v ?? "").replace(/\s+/g, " ").trim()).filter((v) => v !== "")];
  return [...new Set(values)].join("\n");
}

/** At most `bytes` of UTF-8, cut at a character: what a MySQL TEXT column holds. */
export function withinBytes(text: string, bytes = TEXT_COLUMN_BYTES): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let cut = Buffer.from(text).subarray(0, bytes).toString("utf8");
  if (cut.endsWith("\uFFFD")) cut = cut.slice(0, -1);
  return cut;
}

/** A case's document from its rows; `mysql` bounds each column to what a TEXT column holds (the oldest updates are kept). */
export function searchDocumentOf(c: CaseText, updateBodies: readonly string[], fileNames: string, analysisTerms: string, mysql: boolean, now: Date): Omit<CaseSearchDocument, "id"> {
  const fit = (text: string) => (mysql ? withinBytes(text) : text);
  return {
    caseId: c.id,
    organizationId: c.organizationId,
    caseNumber: c.caseNumber,
    title: fit(c.title),
    description: fit(c.description),
    updates: fit(updateBodies.filter((b) => b !== "").join("\n")),
    fileNames: fit(fileNames),
    analysisTerms: fit(analysisTerms),
    indexedAt: now,
  };
}

/** The FTS5 row of a document: title, body (description and updates), extra (file names, analysis terms, case number), org (its organization's token). */
export function fts5Row(doc: Omit<CaseSearchDocument, "id">): [string, string, string, string] {
  return [indexText(doc.title), indexText(`${doc.description}\n${doc.updates}`), indexText(`${doc.fileNames}\n${doc.analysisTerms}\n${doc.caseNumber}`), organizationToken(doc.organizationId)];
}

/**
 * Keeps each case's searchable text (CaseSearchDocument) and, on SQLite, its FTS5 row. `refresh` runs
 * inside the transaction of the change, as its last write: the case's title, description and every
 * update body are read again from the case's rows (so the document can never drift from them), and
 * file names and analysis terms are added to those it has. MySQL and MariaDB keep their full-text
 * index themselves (Mroonga in storage mode is not transactional: the document, and its words for
 * counting (mroonga-words.ts), are written last, and undone after a rollback; docs/SEARCH.md,
 * "Mroonga and transactions").
 */
export class CaseSearchIndex {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: () => Date,
  ) {}

  async refresh(tx: EntityManager, c: CaseText, additions: SearchAdditions = {}): Promise<void> {
    await this.write(tx, c, additions);
    // Mroonga in storage mode keeps a write when the transaction rolls back.
    if (await this.keepsRolledBackWrites()) onRollback(() => this.undo(c.id));
  }

  /** Whether the documents table is one the server does not roll back (a Mroonga table in storage mode), asked once per database. */
  private keepsRolledBackWrites(): Promise<boolean> {
    if (!isMysql(this.dataSource)) return Promise.resolve(false);
    let known = nonTransactional.get(this.dataSource);
    if (!known) {
      known = this.dataSource
        .query<{ engine: string }[]>("SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'case_search_documents'")
        .then(([table]) => table?.engine.toLowerCase() === "mroonga");
      // A failed look-up is asked again next time, and meanwhile undoes (harmless on a transactional table).
      known.catch(() => nonTransactional.delete(this.dataSource));
      nonTransactional.set(this.dataSource, known);
    }
    return known.catch(() => true);
  }

  private async write(tx: EntityManager, c: CaseText, additions: SearchAdditions): Promise<void> {
    const bodies = await tx
      .getRepository(CaseUpdateEntity)
      .createQueryBuilder("u")
      .select("u.body", "body")
      .where("u.caseId = :caseId", { caseId: c.id })
      .orderBy("u.createdAt", "ASC")
      .addOrderBy("u.id", "ASC")
      .getRawMany<{ body: string }>();
    const existing = await tx.findOne(CaseSearchDocument, { where: { caseId: c.id } });
    const doc = searchDocumentOf(
      c,
      bodies.map((b) => b.body),
      merged(existing?.fileNames, additions.fileNames),
      merged(existing?.analysisTerms, additions.analysisTerms),
      isMysql(this.dataSource),
      this.clock(),
    );
    let id: number;
    if (existing) {
      await tx.update(CaseSearchDocument, { id: existing.id }, doc);
      id = existing.id;
    } else {
      const result = await tx.insert(CaseSearchDocument, doc);
      id = Number(result.identifiers[0]!.id);
    }
    await writeWords(this.dataSource, tx, "sd.id = ?", [id]);
    if (!isMysql(this.dataSource)) {
      if (!fts5Ready.has(this.dataSource)) {
        await tx.query(CREATE_FTS5_TABLE);
        fts5Ready.add(this.dataSource);
      }
      await tx.query(`DELETE FROM ${FTS5_TABLE} WHERE rowid = ?`, [id]);
      await tx.query(`INSERT INTO ${FTS5_TABLE} (rowid, title, body, extra, org) VALUES (?, ?, ?, ?, ?)`, [id, ...fts5Row(doc)]);
    }
  }

  /**
   * After a rolled-back change on a server that kept its document write (Mroonga in storage mode): a
   * case that was not created has no document; one that exists gets its title, description and
   * updates from its committed rows again. File names and analysis terms the change added stay
   * (found, though the change did not happen) until the case's next change rewrites them (docs/SEARCH.md).
   */
  private async undo(caseId: string): Promise<void> {
    await inTransaction(this.dataSource, async (tx) => {
      const c = await tx.findOne(CaseEntity, { where: { id: caseId }, ...writeLock(this.dataSource) });
      if (c) await this.write(tx, c, {});
      else {
        const document = await tx.findOne(CaseSearchDocument, { select: { id: true }, where: { caseId } });
        if (!document) return;
        await tx.delete(CaseSearchDocument, { id: document.id });
        await deleteWords(this.dataSource, tx, document.id);
      }
    });
  }

  /**
   * Indexes the cases that have no document yet (a database from before search, or bulk-loaded
   * rows), `batchSize` at a time; returns how many. File names and analysis terms of such cases
   * arrive with their next change from the other subgraphs.
   */
  async backfill(batchSize = 500, onProgress: (done: number) => void = () => undefined): Promise<number> {
    let done = 0;
    // In id order, each case looked at once: a case whose document could not be written is not retried in a loop.
    let after = "";
    for (;;) {
      const ids = (
        await this.dataSource
          .getRepository(CaseEntity)
          .createQueryBuilder("c")
          .select("c.id", "id")
          .leftJoin(CaseSearchDocument, "sd", "sd.caseId = c.id")
          .where("sd.id IS NULL AND c.id > :after", { after })
          .orderBy("c.id")
          .limit(batchSize)
          .getRawMany<{ id: string }>()
      ).map((r) => r.id);
      if (ids.length === 0) return done;
      after = ids.at(-1)!;
      await this.indexBatch(ids);
      done += ids.length;
      onProgress(done);
    }
  }

  private async indexBatch(ids: string[]): Promise<void> {
    const mysql = isMysql(this.dataSource);
    if (!mysql) await this.dataSource.query(CREATE_FTS5_TABLE);
    const cases = await this.dataSource.getRepository(CaseEntity).createQueryBuilder("c").where("c.id IN (:...ids)", { ids }).getMany();
    const updates = await this.dataSource
      .getRepository(CaseUpdateEntity)
      .createQueryBuilder("u")
      .select(["u.caseId", "u.body"])
      .where("u.caseId IN (:...ids)", { ids })
      .orderBy("u.createdAt", "ASC")
      .addOrderBy("u.id", "ASC")
      .getMany();
    const bodies = new Map<string, string[]>();
    for (const u of updates) bodies.set(u.caseId, [...(bodies.get(u.caseId) ?? []), u.body]);
    const now = this.clock();
    const docs = cases.map((c) => searchDocumentOf(c, bodies.get(c.id) ?? [], "", "", mysql, now));
    if (mysql) {
      // One statement; a document a change wrote meanwhile (same case_id, unique) wins: IGNORE skips it.
      await this.dataSource.createQueryBuilder().insert().into(CaseSearchDocument).values(docs).orIgnore().execute();
      await writeWords(this.dataSource, this.dataSource, `sd.case_id IN (${ids.map(() => "?").join(", ")})`, ids);
      return;
    }
    await inTransaction(this.dataSource, async (tx) => {
      // SQLite runs one transaction at a time: a case with a document by now is skipped.
      const present = new Set(
        (await tx.getRepository(CaseSearchDocument).createQueryBuilder("sd").select("sd.caseId", "caseId").where("sd.caseId IN (:...ids)", { ids }).getRawMany<{ caseId: string }>()).map((r) => r.caseId),
      );
      for (const doc of docs) {
        if (present.has(doc.caseId)) continue;
        const result = await tx.insert(CaseSearchDocument, doc);
        await tx.query(`INSERT INTO ${FTS5_TABLE} (rowid, title, body, extra, org) VALUES (?, ?, ?, ?, ?)`, [Number(result.identifiers[0]!.id), ...fts5Row(doc)]);
      }
    });
  }
}
