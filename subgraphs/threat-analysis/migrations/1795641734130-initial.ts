import type { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795641734130 implements MigrationInterface {
  name = "Initial1795641734130";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `analysis_requests` (`case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `threat_category` varchar(32) NOT NULL, `id` varchar(36) NOT NULL, `subject_id` varchar(36) NOT NULL, `action` varchar(32) NOT NULL, `comment` text NULL, `state` varchar(16) NOT NULL, `requested_at` datetime(3) NOT NULL, `requested_by_id` varchar(128) NOT NULL, `requested_by_name` varchar(200) NOT NULL, `requested_by_role` varchar(16) NOT NULL, `requested_by_email` varchar(254) NULL, INDEX `IDX_65f158686d9cd6714ef77ddb1e` (`case_id`), INDEX `IDX_81c20ca8fa99d4ba223548ee57` (`subject_id`, `requested_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `attk_collections` (`case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `threat_category` varchar(32) NOT NULL, `id` varchar(36) NOT NULL, `file_name` varchar(255) NOT NULL, `collected` tinyint NOT NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_1667c21f54b032e4d8b8fca3a6` (`case_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `email_analyses` (`case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `threat_category` varchar(32) NOT NULL, `id` varchar(36) NOT NULL, `name` varchar(255) NOT NULL, `verdict` varchar(16) NOT NULL, `analyzed_at` datetime(3) NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_9674d214870bbf51c97a83d623` (`case_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `file_analyses` (`case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `threat_category` varchar(32) NOT NULL, `id` varchar(36) NOT NULL, `file_name` varchar(255) NOT NULL, `sha1` varchar(40) NOT NULL, `verdict` varchar(16) NOT NULL, `detection_name` varchar(200) NULL, `pattern_version` varchar(64) NULL, `analyzed_at` datetime(3) NULL, `attachment_id` varchar(36) NULL, `email_analysis_id` varchar(36) NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_924f35b55a2dc41e27bcd1a58b` (`case_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `url_analyses` (`case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `threat_category` varchar(32) NOT NULL, `id` varchar(36) NOT NULL, `url` varchar(2048) NOT NULL, `category` varchar(200) NULL, `rating` varchar(16) NOT NULL, `analyzed_at` datetime(3) NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_b519a39a297fa770ea50442996` (`case_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_b519a39a297fa770ea50442996` ON `url_analyses`");
    await queryRunner.query("DROP TABLE `url_analyses`");
    await queryRunner.query("DROP INDEX `IDX_924f35b55a2dc41e27bcd1a58b` ON `file_analyses`");
    await queryRunner.query("DROP TABLE `file_analyses`");
    await queryRunner.query("DROP INDEX `IDX_9674d214870bbf51c97a83d623` ON `email_analyses`");
    await queryRunner.query("DROP TABLE `email_analyses`");
    await queryRunner.query("DROP INDEX `IDX_1667c21f54b032e4d8b8fca3a6` ON `attk_collections`");
    await queryRunner.query("DROP TABLE `attk_collections`");
    await queryRunner.query("DROP INDEX `IDX_81c20ca8fa99d4ba223548ee57` ON `analysis_requests`");
    await queryRunner.query("DROP INDEX `IDX_65f158686d9cd6714ef77ddb1e` ON `analysis_requests`");
    await queryRunner.query("DROP TABLE `analysis_requests`");
  }
}
