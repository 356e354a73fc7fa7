import type { MigrationInterface, QueryRunner } from "typeorm";

export class IdempotencyRecords1795643438117 implements MigrationInterface {
  name = "IdempotencyRecords1795643438117";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `idempotency_records` (`principal` varchar(200) NOT NULL, `key` varchar(255) NOT NULL, `fingerprint` varchar(64) NOT NULL, `status_code` int NULL, `body` text NULL, `expires_at` datetime(3) NOT NULL, INDEX `IDX_b3482fdd761179f433dab212e7` (`expires_at`), PRIMARY KEY (`principal`, `key`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_b3482fdd761179f433dab212e7` ON `idempotency_records`");
    await queryRunner.query("DROP TABLE `idempotency_records`");
  }
}
