import type { MigrationInterface, QueryRunner } from "typeorm";

export class RequestQueue1796220000101 implements MigrationInterface {
  name = "RequestQueue1796220000101";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `case_severity` varchar(16) NULL");
    await queryRunner.query("CREATE INDEX `IDX_40770845cee209a5b4064afe41` ON `analysis_requests` (`state`, `case_severity`, `requested_at`)");
    await queryRunner.query("CREATE INDEX `IDX_cfe68e57e6ccaaee2050166d33` ON `analysis_requests` (`organization_id`, `requested_at`, `id`)");
    await queryRunner.query("CREATE INDEX `IDX_d3532a2f0bfbc90c7394dc5091` ON `analysis_requests` (`requested_at`, `id`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_d3532a2f0bfbc90c7394dc5091` ON `analysis_requests`");
    await queryRunner.query("DROP INDEX `IDX_cfe68e57e6ccaaee2050166d33` ON `analysis_requests`");
    await queryRunner.query("DROP INDEX `IDX_40770845cee209a5b4064afe41` ON `analysis_requests`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `case_severity`");
  }
}
