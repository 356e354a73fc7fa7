import type { MigrationInterface, QueryRunner } from "typeorm";

export class AttkAnalyzedAt1795642688084 implements MigrationInterface {
  name = "AttkAnalyzedAt1795642688084";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `attk_collections` ADD `analyzed_at` datetime(3) NULL");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `attk_collections` DROP COLUMN `analyzed_at`");
  }
}
