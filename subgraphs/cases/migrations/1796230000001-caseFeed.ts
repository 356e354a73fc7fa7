import type { MigrationInterface, QueryRunner } from "typeorm";

export class CaseFeed1796230000001 implements MigrationInterface {
  name = "CaseFeed1796230000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `case_feed_events` (`position` bigint NOT NULL, `case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `sequence` int NOT NULL, `type` varchar(32) NOT NULL, `at` datetime(3) NOT NULL, `changes` text NOT NULL, `update_id` varchar(36) NULL, `actor_id` varchar(128) NOT NULL, `actor_name` varchar(200) NOT NULL, `actor_role` varchar(16) NOT NULL, `actor_email` varchar(254) NULL, INDEX `IDX_6864d98b7a9ecc7b63f8d5d980` (`at`), INDEX `IDX_e60a558035c1fa17150ecd79fe` (`organization_id`, `position`), INDEX `IDX_7e5c12661e0a8d4bd572264fbd` (`case_id`, `position`), PRIMARY KEY (`position`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `case_feed_head` (`id` int NOT NULL, `position` bigint NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("ALTER TABLE `cases` ADD `last_event_sequence` int NOT NULL DEFAULT '0'");
    await queryRunner.query("INSERT INTO `case_feed_head` (`id`, `position`) VALUES (1, 0)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `cases` DROP COLUMN `last_event_sequence`");
    await queryRunner.query("DROP TABLE `case_feed_head`");
    await queryRunner.query("DROP INDEX `IDX_7e5c12661e0a8d4bd572264fbd` ON `case_feed_events`");
    await queryRunner.query("DROP INDEX `IDX_e60a558035c1fa17150ecd79fe` ON `case_feed_events`");
    await queryRunner.query("DROP INDEX `IDX_6864d98b7a9ecc7b63f8d5d980` ON `case_feed_events`");
    await queryRunner.query("DROP TABLE `case_feed_events`");
  }
}
