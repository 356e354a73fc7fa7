import type { MigrationInterface, QueryRunner } from "typeorm";

export class Webhooks1796230000002 implements MigrationInterface {
  name = "Webhooks1796230000002";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `webhook_endpoints` (`id` varchar(36) NOT NULL, `partner_id` varchar(64) NOT NULL, `url` varchar(2000) NOT NULL, `description` varchar(500) NULL, `contact_email` varchar(254) NOT NULL, `event_types` varchar(500) NOT NULL, `status` varchar(16) NOT NULL, `disabled_at` datetime(3) NULL, `disabled_reason` varchar(500) NULL, `consecutive_failures` int NOT NULL DEFAULT '0', `secret` varchar(64) NOT NULL, `previous_secret` varchar(64) NULL, `previous_secret_expires_at` datetime(3) NULL, `disabled_notice_due_at` datetime(3) NULL, `disabled_notice_lease_expires_at` datetime(3) NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, INDEX `IDX_4d0abeec36bab42a45d4aa033c` (`partner_id`, `created_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `webhook_endpoint_organizations` (`endpoint_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, INDEX `IDX_dc9ee8e4f85daa3d9216a48acc` (`organization_id`), PRIMARY KEY (`endpoint_id`, `organization_id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `webhook_deliveries` (`attempts` int NOT NULL DEFAULT '0', `next_attempt_at` datetime(3) NOT NULL, `claim_token` varchar(36) NULL, `lease_expires_at` datetime(3) NULL, `last_error` varchar(1000) NULL, `id` varchar(36) NOT NULL, `endpoint_id` varchar(36) NOT NULL, `event_id` bigint NOT NULL, `event_type` varchar(32) NOT NULL, `case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `status` varchar(16) NOT NULL, `retry_until` datetime(3) NOT NULL, `created_at` datetime(3) NOT NULL, `last_attempt_at` datetime(3) NULL, `delivered_at` datetime(3) NULL, `response_status` int NULL, `latency_ms` int NULL, INDEX `IDX_75f6f10583292f2411e63a636b` (`claim_token`), INDEX `IDX_3f867d0adaf5ef6a96eb4cccde` (`endpoint_id`, `created_at`, `id`), INDEX `IDX_284017efc3cbfe592288749a9c` (`status`, `next_attempt_at`), UNIQUE INDEX `IDX_ce8ee1053d7a0687e786719605` (`endpoint_id`, `event_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_ce8ee1053d7a0687e786719605` ON `webhook_deliveries`");
    await queryRunner.query("DROP INDEX `IDX_284017efc3cbfe592288749a9c` ON `webhook_deliveries`");
    await queryRunner.query("DROP INDEX `IDX_3f867d0adaf5ef6a96eb4cccde` ON `webhook_deliveries`");
    await queryRunner.query("DROP INDEX `IDX_75f6f10583292f2411e63a636b` ON `webhook_deliveries`");
    await queryRunner.query("DROP TABLE `webhook_deliveries`");
    await queryRunner.query("DROP INDEX `IDX_dc9ee8e4f85daa3d9216a48acc` ON `webhook_endpoint_organizations`");
    await queryRunner.query("DROP TABLE `webhook_endpoint_organizations`");
    await queryRunner.query("DROP INDEX `IDX_4d0abeec36bab42a45d4aa033c` ON `webhook_endpoints`");
    await queryRunner.query("DROP TABLE `webhook_endpoints`");
  }
}
