import type { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795641734099 implements MigrationInterface {
  name = "Initial1795641734099";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `case_events` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `field` varchar(32) NOT NULL, `old_value` text NULL, `new_value` text NULL, `comment` text NULL, `at` datetime(3) NOT NULL, `actor_id` varchar(128) NOT NULL, `actor_name` varchar(200) NOT NULL, `actor_role` varchar(16) NOT NULL, `actor_email` varchar(254) NULL, INDEX `IDX_7b8993d76c632d9ac5d85da71e` (`case_id`, `at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `case_updates` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `body` text NOT NULL, `requested_reopen` tinyint NOT NULL, `created_at` datetime(3) NOT NULL, `author_id` varchar(128) NOT NULL, `author_name` varchar(200) NOT NULL, `author_role` varchar(16) NOT NULL, `author_email` varchar(254) NULL, INDEX `IDX_10e149f87fac0a1f41e8a7a4d8` (`case_id`, `created_at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `cases` (`id` varchar(36) NOT NULL, `case_number` varchar(20) NOT NULL, `organization_id` varchar(64) NOT NULL, `title` varchar(200) NOT NULL, `description` text NOT NULL, `status` varchar(16) NOT NULL, `sub_status` varchar(32) NOT NULL, `severity` varchar(16) NOT NULL, `severity_rank` int NOT NULL, `inquiry_type` varchar(16) NOT NULL, `threat_category` varchar(32) NULL, `problem_category` varchar(200) NOT NULL, `product_profile_id` varchar(64) NOT NULL, `contact_name` varchar(200) NOT NULL, `cc_emails` text NOT NULL, `business_impact` text NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, `closed_at` datetime(3) NULL, `version` int NOT NULL, `last_customer_activity_at` datetime(3) NOT NULL, `sub_status_changed_at` datetime(3) NOT NULL, `registrant_id` varchar(128) NOT NULL, `registrant_name` varchar(200) NOT NULL, `registrant_role` varchar(16) NOT NULL, `registrant_email` varchar(254) NULL, INDEX `IDX_fe4de1a1c2b8cd77bb6656e787` (`sub_status`, `sub_status_changed_at`), INDEX `IDX_3c283c991e8ab52973da4faca5` (`severity_rank`, `id`), INDEX `IDX_ac27dc344ec8c9d73dccb003cc` (`created_at`, `id`), INDEX `IDX_7c125fa0f82e8e74aff6c2e1b8` (`updated_at`, `id`), INDEX `IDX_607c14473b61cb1198b09d0ef1` (`organization_id`, `updated_at`, `id`), UNIQUE INDEX `IDX_e4b62fdecb8c5dfac7caf8c312` (`case_number`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `case_number_sequence` (`id` int NOT NULL AUTO_INCREMENT, `allocated_at` datetime(3) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `notification_outbox` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `kind` varchar(32) NOT NULL, `recipients` text NOT NULL, `details` text NOT NULL, `state` varchar(16) NOT NULL, `attempts` int NOT NULL DEFAULT '0', `next_attempt_at` datetime(3) NOT NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_857b2cfc5c19c4460fbc6dad24` (`state`, `next_attempt_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `organizations` (`id` varchar(64) NOT NULL, `name` varchar(200) NOT NULL, `locale` varchar(8) NOT NULL DEFAULT 'ja', PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `product_profiles` (`id` varchar(64) NOT NULL, `organization_id` varchar(64) NOT NULL, `name` varchar(200) NOT NULL, `product` varchar(200) NOT NULL, `version` varchar(64) NULL, INDEX `IDX_a0cb0e95c1ef723d8b7f182dc5` (`organization_id`, `name`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_a0cb0e95c1ef723d8b7f182dc5` ON `product_profiles`");
    await queryRunner.query("DROP TABLE `product_profiles`");
    await queryRunner.query("DROP TABLE `organizations`");
    await queryRunner.query("DROP INDEX `IDX_857b2cfc5c19c4460fbc6dad24` ON `notification_outbox`");
    await queryRunner.query("DROP TABLE `notification_outbox`");
    await queryRunner.query("DROP TABLE `case_number_sequence`");
    await queryRunner.query("DROP INDEX `IDX_e4b62fdecb8c5dfac7caf8c312` ON `cases`");
    await queryRunner.query("DROP INDEX `IDX_607c14473b61cb1198b09d0ef1` ON `cases`");
    await queryRunner.query("DROP INDEX `IDX_7c125fa0f82e8e74aff6c2e1b8` ON `cases`");
    await queryRunner.query("DROP INDEX `IDX_ac27dc344ec8c9d73dccb003cc` ON `cases`");
    await queryRunner.query("DROP INDEX `IDX_3c283c991e8ab52973da4faca5` ON `cases`");
    await queryRunner.query("DROP INDEX `IDX_fe4de1a1c2b8cd77bb6656e787` ON `cases`");
    await queryRunner.query("DROP TABLE `cases`");
    await queryRunner.query("DROP INDEX `IDX_10e149f87fac0a1f41e8a7a4d8` ON `case_updates`");
    await queryRunner.query("DROP TABLE `case_updates`");
    await queryRunner.query("DROP INDEX `IDX_7b8993d76c632d9ac5d85da71e` ON `case_events`");
    await queryRunner.query("DROP TABLE `case_events`");
  }
}
