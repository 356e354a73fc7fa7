import type { MigrationInterface, QueryRunner } from "typeorm";

export class ApiKeys1795642607724 implements MigrationInterface {
  name = "ApiKeys1795642607724";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `api_keys` (`id` varchar(32) NOT NULL, `partner_id` varchar(64) NOT NULL, `hash` varchar(64) NOT NULL, `display_prefix` varchar(16) NOT NULL, `label` varchar(100) NULL, `scopes` varchar(255) NOT NULL, `organization_ids` text NULL, `created_at` datetime(3) NOT NULL, `expires_at` datetime(3) NULL, `revoked_at` datetime(3) NULL, `replaced_by_id` varchar(32) NULL, `last_used_at` datetime(3) NULL, UNIQUE INDEX `IDX_598a14447f592c12d1fe22ba91` (`hash`), INDEX `IDX_3d175627112f909468a6d24f70` (`partner_id`, `created_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_3d175627112f909468a6d24f70` ON `api_keys`");
    await queryRunner.query("DROP INDEX `IDX_598a14447f592c12d1fe22ba91` ON `api_keys`");
    await queryRunner.query("DROP TABLE `api_keys`");
  }
}
