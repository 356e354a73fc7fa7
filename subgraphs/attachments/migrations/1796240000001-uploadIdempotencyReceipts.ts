import type { MigrationInterface, QueryRunner } from "typeorm";

export class UploadIdempotencyReceipts1796240000001 implements MigrationInterface {
  name = "UploadIdempotencyReceipts1796240000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `idempotency_receipts` (`principal` varchar(200) NOT NULL, `key` varchar(255) NOT NULL, `field` varchar(100) NOT NULL, `fingerprint` varchar(64) NOT NULL, `answer` text NULL, `claim_token` varchar(36) NULL, `claimed_until` datetime(3) NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_4e8e8a8665dd6c635352e606e5` (`created_at`), PRIMARY KEY (`principal`, `key`, `field`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_4e8e8a8665dd6c635352e606e5` ON `idempotency_receipts`");
    await queryRunner.query("DROP TABLE `idempotency_receipts`");
  }
}
