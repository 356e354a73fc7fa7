import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Requests are started and answered (who, when, the response and a one-line outcome); file results
 * keep their verdict history and the answers' outcomes; ATTK collections the files to collect next and
 * the findings of a log re-analysis. Verdicts recorded before this migration enter the history as
 * recorded by the system, at the time the file was analysed.
 */
export class AnalysisRequestLifecycle1796215000000 implements MigrationInterface {
  name = "AnalysisRequestLifecycle1796215000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "CREATE TABLE `file_verdicts` (`case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `threat_category` varchar(32) NOT NULL, `id` varchar(36) NOT NULL, `file_analysis_id` varchar(36) NOT NULL, `sequence` int NOT NULL, `verdict` varchar(16) NOT NULL, `detection_name` varchar(200) NULL, `pattern_version` varchar(64) NULL, `recorded_at` datetime(3) NOT NULL, `request_id` varchar(36) NULL, `recorded_by_id` varchar(128) NOT NULL, `recorded_by_name` varchar(200) NOT NULL, `recorded_by_role` varchar(16) NOT NULL, `recorded_by_email` varchar(254) NULL, INDEX `IDX_96d4366180f533669bbacb55cd` (`case_id`), UNIQUE INDEX `IDX_e584e79aac26a4a925a9d1b75d` (`file_analysis_id`, `sequence`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "INSERT INTO `file_verdicts` (`case_id`, `organization_id`, `threat_category`, `id`, `file_analysis_id`, `sequence`, `verdict`, `detection_name`, `pattern_version`, `recorded_at`, `request_id`, `recorded_by_id`, `recorded_by_name`, `recorded_by_role`, `recorded_by_email`) SELECT `case_id`, `organization_id`, `threat_category`, UUID(), `id`, 1, `verdict`, `detection_name`, `pattern_version`, COALESCE(`analyzed_at`, `created_at`), NULL, 'system', 'casegraph', 'SYSTEM', NULL FROM `file_analyses` WHERE `verdict` <> 'ANALYZING'",
    );
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `started_at` datetime(3) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `responded_at` datetime(3) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `response` text NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `outcome` varchar(500) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `started_by_id` varchar(128) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `started_by_name` varchar(200) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `started_by_role` varchar(16) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `started_by_email` varchar(254) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `responded_by_id` varchar(128) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `responded_by_name` varchar(200) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `responded_by_role` varchar(16) NULL");
    await queryRunner.query("ALTER TABLE `analysis_requests` ADD `responded_by_email` varchar(254) NULL");
    await queryRunner.query("ALTER TABLE `attk_collections` ADD `files_to_collect` text NULL");
    await queryRunner.query("ALTER TABLE `attk_collections` ADD `findings` text NULL");
    await queryRunner.query("ALTER TABLE `file_analyses` ADD `official_pattern_version` varchar(64) NULL");
    await queryRunner.query("ALTER TABLE `file_analyses` ADD `virus_info_url` varchar(2048) NULL");
    await queryRunner.query("ALTER TABLE `file_analyses` ADD `cleanup_instructions` text NULL");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `file_analyses` DROP COLUMN `cleanup_instructions`");
    await queryRunner.query("ALTER TABLE `file_analyses` DROP COLUMN `virus_info_url`");
    await queryRunner.query("ALTER TABLE `file_analyses` DROP COLUMN `official_pattern_version`");
    await queryRunner.query("ALTER TABLE `attk_collections` DROP COLUMN `findings`");
    await queryRunner.query("ALTER TABLE `attk_collections` DROP COLUMN `files_to_collect`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `responded_by_email`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `responded_by_role`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `responded_by_name`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `responded_by_id`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `started_by_email`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `started_by_role`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `started_by_name`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `started_by_id`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `outcome`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `response`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `responded_at`");
    await queryRunner.query("ALTER TABLE `analysis_requests` DROP COLUMN `started_at`");
    await queryRunner.query("DROP INDEX `IDX_e584e79aac26a4a925a9d1b75d` ON `file_verdicts`");
    await queryRunner.query("DROP INDEX `IDX_96d4366180f533669bbacb55cd` ON `file_verdicts`");
    await queryRunner.query("DROP TABLE `file_verdicts`");
  }
}
