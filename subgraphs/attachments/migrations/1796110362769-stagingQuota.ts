import type { MigrationInterface, QueryRunner } from "typeorm";

export class StagingQuota1796110362769 implements MigrationInterface {
  name = "StagingQuota1796110362769";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `staging_locks` (`organization_id` varchar(64) NOT NULL, `locked_at` datetime(3) NOT NULL, PRIMARY KEY (`organization_id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE INDEX `IDX_02e9412dc559fa9b84e1829c0f` ON `attachments` (`organization_id`, `state`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_02e9412dc559fa9b84e1829c0f` ON `attachments`");
    await queryRunner.query("DROP TABLE `staging_locks`");
  }
}
