import type { MigrationInterface, QueryRunner } from "typeorm";

export class CaseActivityOutbox1796210000001 implements MigrationInterface {
  name = "CaseActivityOutbox1796210000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "CREATE TABLE `case_activity_outbox` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `kind` varchar(24) NOT NULL, `actor` text NOT NULL, `details` text NOT NULL, `occurred_at` datetime(3) NOT NULL, `attempts` int NOT NULL DEFAULT '0', `next_attempt_at` datetime(3) NOT NULL, `claim_token` varchar(36) NULL, `lease_expires_at` datetime(3) NULL, `last_error` varchar(1000) NULL, INDEX `IDX_a60e1f39848ba9812f8650d2a1` (`claim_token`), INDEX `IDX_b27c8935dd59e674d6f8935bd1` (`next_attempt_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_b27c8935dd59e674d6f8935bd1` ON `case_activity_outbox`");
    await queryRunner.query("DROP INDEX `IDX_a60e1f39848ba9812f8650d2a1` ON `case_activity_outbox`");
    await queryRunner.query("DROP TABLE `case_activity_outbox`");
  }
}
