import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * MariaDB with Mroonga only (other servers are left as they are): each search document's text in one
 * column of a second Mroonga table, with its organization as a token, under a one-column FULLTEXT
 * index, so that Mroonga counts a search without reading the matching rows (count-skip;
 * search/mroonga-words.ts). The words of the documents already there are written here, as that module
 * writes them today; the SQL is spelled out so that this migration stays what it was when the module changes.
 */
export class CaseSearchWords1796240000002 implements MigrationInterface {
  name = "CaseSearchWords1796240000002";

  async up(queryRunner: QueryRunner): Promise<void> {
    const [table] = (await queryRunner.query(
      "SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'case_search_documents'",
    )) as { engine: string }[];
    if (table?.engine.toLowerCase() !== "mroonga") return;
    await queryRunner.query(
      "CREATE TABLE `case_search_words` (`id` int NOT NULL, `words` mediumtext NOT NULL, PRIMARY KEY (`id`), FULLTEXT INDEX `IDX_case_search_words_words` (`words`)) ENGINE=Mroonga",
    );
    // Each document's texts joined by " | ", then its organization's token: "qq", the id's hex with the digits as the letters g to p, "qq".
    let hex = "LOWER(HEX(sd.organization_id))";
    for (let digit = 0; digit <= 9; digit++) hex = `REPLACE(${hex}, '${digit}', '${String.fromCharCode(103 + digit)}')`;
    await queryRunner.query(
      `INSERT INTO case_search_words (id, words) SELECT sd.id, CONCAT_WS(' | ', sd.title, sd.description, sd.updates, sd.file_names, sd.analysis_terms, sd.case_number, CONCAT('qq', ${hex}, 'qq')) FROM case_search_documents sd`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TABLE IF EXISTS `case_search_words`");
  }
}
