import type { MigrationInterface, QueryRunner } from "typeorm";

export class EmailFiles1796220000102 implements MigrationInterface {
  name = "EmailFiles1796220000102";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `email_analyses` ADD `attachment_id` varchar(36) NULL");
    await queryRunner.query("CREATE INDEX `IDX_7f105513d908194ed917b3a7e4` ON `file_analyses` (`email_analysis_id`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_7f105513d908194ed917b3a7e4` ON `file_analyses`");
    await queryRunner.query("ALTER TABLE `email_analyses` DROP COLUMN `attachment_id`");
  }
}
