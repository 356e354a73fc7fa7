import type { MigrationInterface, QueryRunner } from "typeorm";

export class ClientsInTheField1796122874471 implements MigrationInterface {
  name = "ClientsInTheField1796122874471";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `persisted_operations` (`id` varchar(128) NOT NULL, `body_sha256` varchar(64) NOT NULL, `body` text NOT NULL, `name` varchar(200) NULL, `type` varchar(16) NOT NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_55cf3d1d88713f2e9833a7130c` (`body_sha256`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `persisted_operation_releases` (`client_name` varchar(100) NOT NULL, `client_version` varchar(64) NOT NULL, `operation_id` varchar(128) NOT NULL, `published_at` datetime(3) NOT NULL, `retired_at` datetime(3) NULL, INDEX `IDX_ec6e53ec81ef08a16aed434488` (`operation_id`), PRIMARY KEY (`client_name`, `client_version`, `operation_id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `resumable_uploads` (`id` varchar(64) NOT NULL, `principal` varchar(200) NOT NULL, `size` bigint NOT NULL, `file_name` varchar(255) NOT NULL, `content_type` varchar(128) NOT NULL, `case_id` varchar(64) NULL, `organization_id` varchar(64) NULL, `state` varchar(16) NOT NULL, `attachment_id` varchar(64) NULL, `created_at` datetime(3) NOT NULL, `expires_at` datetime(3) NOT NULL, INDEX `IDX_680dd950e8a14ffc24121631e6` (`expires_at`), INDEX `IDX_2b832f0dcfc40c098ca99c0b26` (`principal`, `state`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("ALTER TABLE `api_keys` ADD `persisted_only` tinyint NOT NULL DEFAULT 0");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `api_keys` DROP COLUMN `persisted_only`");
    await queryRunner.query("DROP INDEX `IDX_2b832f0dcfc40c098ca99c0b26` ON `resumable_uploads`");
    await queryRunner.query("DROP INDEX `IDX_680dd950e8a14ffc24121631e6` ON `resumable_uploads`");
    await queryRunner.query("DROP TABLE `resumable_uploads`");
    await queryRunner.query("DROP INDEX `IDX_ec6e53ec81ef08a16aed434488` ON `persisted_operation_releases`");
    await queryRunner.query("DROP TABLE `persisted_operation_releases`");
    await queryRunner.query("DROP INDEX `IDX_55cf3d1d88713f2e9833a7130c` ON `persisted_operations`");
    await queryRunner.query("DROP TABLE `persisted_operations`");
  }
}
