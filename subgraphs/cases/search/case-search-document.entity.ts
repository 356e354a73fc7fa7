import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/** The full-text index of MySQL and MariaDB: made by the migration for the server's flavour, never by synchronization. */
export const SEARCH_FULLTEXT_INDEX = "IDX_case_search_documents_text";

/** The columns the full-text index covers, in the order of the relevance weights of search-plan.ts. */
export const SEARCH_COLUMNS = ["title", "description", "updates", "file_names", "analysis_terms", "case_number"] as const;

/**
 * The searchable text of one case, in one place: its own words (title, description, update bodies)
 * and what other subgraphs told it (names of the files attached, detection names and URLs of analysis
 * results). Written in the same transaction as the change it reflects (search-index.ts). On MariaDB
 * with Mroonga the table is a Mroonga table in storage mode (Groonga holds rows and index: not
 * transactional, see search-index.ts); on SQLite an FTS5 table indexes it by `id`.
 */
@Entity("case_search_documents")
@Index(SEARCH_FULLTEXT_INDEX, { synchronize: false })
export class CaseSearchDocument {
  /** The FTS5 rowid on SQLite. */
  @PrimaryGeneratedColumn({ type: "int" })
  id: number;

  @Index({ unique: true })
  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Index()
  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  @Column({ type: "varchar", length: 20 })
  caseNumber: string;

  @Column({ type: "text" })
  title: string;

  @Column({ type: "text" })
  description: string;

  /** The bodies of the case's updates, oldest first, one per line (on MySQL at most a TEXT column's 65,535 bytes). */
  @Column({ type: "text" })
  updates: string;

  /** Names of the files attached to the case, one per line. */
  @Column({ type: "text" })
  fileNames: string;

  /** Detection names and URLs of the case's analysis results, one per line. */
  @Column({ type: "text" })
  analysisTerms: string;

  @Column({ type: "datetime", precision: 3 })
  indexedAt: Date;
}
