import type { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795641734114 implements MigrationInterface {
  name = "Initial1795641734114";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `attachments` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `organization_id` varchar(64) NOT NULL, `case_update_id` varchar(36) NULL, `file_name` varchar(255) NOT NULL, `size` bigint NOT NULL, `content_type` varchar(127) NOT NULL, `sha1` varchar(40) NOT NULL, `sha256` varchar(64) NOT NULL, `uploaded_at` datetime(3) NOT NULL, `state` varchar(16) NOT NULL, `blob_key` varchar(255) NOT NULL, `uploaded_by_id` varchar(128) NOT NULL, `uploaded_by_name` varchar(200) NOT NULL, `uploaded_by_role` varchar(16) NOT NULL, `uploaded_by_email` varchar(254) NULL, INDEX `IDX_8ba0fad009807a2e471f70838d` (`state`, `uploaded_at`), INDEX `IDX_12805e3172b7910e923e94392d` (`case_update_id`), INDEX `IDX_f8e97e113ddebc7bdbc14f72a2` (`case_id`, `uploaded_at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_f8e97e113ddebc7bdbc14f72a2` ON `attachments`");
    await queryRunner.query("DROP INDEX `IDX_12805e3172b7910e923e94392d` ON `attachments`");
    await queryRunner.query("DROP INDEX `IDX_8ba0fad009807a2e471f70838d` ON `attachments`");
    await queryRunner.query("DROP TABLE `attachments`");
  }
}
