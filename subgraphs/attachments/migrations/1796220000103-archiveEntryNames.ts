import type { MigrationInterface, QueryRunner } from "typeorm";

export class ArchiveEntryNames1796220000103 implements MigrationInterface {
  name = "ArchiveEntryNames1796220000103";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `attachments` ADD `entry_names` text NULL");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `attachments` DROP COLUMN `entry_names`");
  }
}
