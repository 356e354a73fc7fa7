import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Mroonga in storage mode for the case search documents (MariaDB with Mroonga only; other servers keep
 * their table as it is). In wrapper mode Groonga held the index and InnoDB the rows, and a search that
 * counted or ranked a common word read every matching row from InnoDB (seconds at 100,000 cases);
 * in storage mode Groonga holds both and ranks and cuts the page itself (Mroonga's ORDER BY ... LIMIT
 * optimization; docs/SEARCH.md, "Latency"). Storage mode is not transactional: CaseSearchIndex undoes
 * the document of a change that rolled back (search-index.ts). Other servers' table only loses the
 * comment that named the wrapped engine.
 */
export class CaseSearchStorageMode1796240000001 implements MigrationInterface {
  name = "CaseSearchStorageMode1796240000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    const [table] = (await queryRunner.query(
      "SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'case_search_documents'",
    )) as { engine: string }[];
    // Without the wrapped engine in its comment, Mroonga rebuilds the table in storage mode, index included.
    if (table?.engine.toLowerCase() === "mroonga") await queryRunner.query("ALTER TABLE `case_search_documents` ENGINE=Mroonga COMMENT=''");
    else await queryRunner.query("ALTER TABLE `case_search_documents` COMMENT=''");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [table] = (await queryRunner.query("SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'case_search_documents'")) as { engine: string }[];
    await queryRunner.query(`ALTER TABLE \`case_search_documents\` ${table?.engine.toLowerCase() === "mroonga" ? "ENGINE=Mroonga " : ""}COMMENT='engine "InnoDB"'`);
  }
}
