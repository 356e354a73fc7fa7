import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The searchable text of cases and its full-text index, by server flavour (README, Search):
 * - MariaDB with the Mroonga engine loaded: a Mroonga table wrapping InnoDB (the comment names the
 *   wrapped engine), with a Mroonga FULLTEXT index (TokenBigram: Japanese and English);
 * - MySQL 8: InnoDB with FULLTEXT ... WITH PARSER ngram;
 * - MariaDB without Mroonga: InnoDB without a full-text index; the cases subgraph says so at start
 *   and searches with LIKE.
 * The FULLTEXT index is declared `synchronize: false` on the entity: it is this migration's alone.
 */
export class CaseSearch1796230000003 implements MigrationInterface {
  name = "CaseSearch1796230000003";

  async up(queryRunner: QueryRunner): Promise<void> {
    const version = ((await queryRunner.query("SELECT VERSION() AS version")) as { version: string }[])[0]?.version ?? "";
    const mariadb = /mariadb/i.test(version);
    const mroonga = mariadb && ((await queryRunner.query("SELECT ENGINE FROM information_schema.ENGINES WHERE ENGINE = 'Mroonga' AND SUPPORT IN ('YES', 'DEFAULT')")) as unknown[]).length > 0;
    await queryRunner.query(
      "CREATE TABLE `case_search_documents` (`id` int NOT NULL AUTO_INCREMENT, `case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `case_number` varchar(20) NOT NULL, `title` text NOT NULL, `description` text NOT NULL, `updates` text NOT NULL, `file_names` text NOT NULL, `analysis_terms` text NOT NULL, `indexed_at` datetime(3) NOT NULL, UNIQUE INDEX `IDX_bf1dc2debc02b437a99e93d7ce` (`case_id`), INDEX `IDX_e0c07c878a8a137eb807cb4af0` (`organization_id`), PRIMARY KEY (`id`)) " +
        `ENGINE=${mroonga ? "Mroonga" : "InnoDB"} COMMENT='engine "InnoDB"'`,
    );
    const columns = "(`title`, `description`, `updates`, `file_names`, `analysis_terms`, `case_number`)";
    if (mroonga) await queryRunner.query(`CREATE FULLTEXT INDEX \`IDX_case_search_documents_text\` ON \`case_search_documents\` ${columns}`);
    else if (!mariadb) {
      // With the default stopword list, ngram drops every bigram that holds one ("a", "in", "at" ...): most English bigrams.
      await queryRunner.query("SET SESSION innodb_ft_enable_stopword = OFF");
      await queryRunner.query(`CREATE FULLTEXT INDEX \`IDX_case_search_documents_text\` ON \`case_search_documents\` ${columns} WITH PARSER ngram`);
    }
    // Existing cases get their documents from the cases subgraph at start (CaseSearchIndex.backfill).
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TABLE `case_search_documents`");
  }
}
