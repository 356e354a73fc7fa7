import type { MigrationInterface, QueryRunner } from "typeorm";

export class AttachmentUploads1795642895484 implements MigrationInterface {
  name = "AttachmentUploads1795642895484";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `attachments` ADD `encrypted_zip` tinyint NOT NULL DEFAULT 0");
    await queryRunner.query("DROP INDEX `IDX_f8e97e113ddebc7bdbc14f72a2` ON `attachments`");
    await queryRunner.query("ALTER TABLE `attachments` CHANGE `case_id` `case_id` varchar(36) NULL");
    await queryRunner.query("CREATE INDEX `IDX_f8e97e113ddebc7bdbc14f72a2` ON `attachments` (`case_id`, `uploaded_at`, `id`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_f8e97e113ddebc7bdbc14f72a2` ON `attachments`");
    await queryRunner.query("ALTER TABLE `attachments` CHANGE `case_id` `case_id` varchar(36) NOT NULL");
    await queryRunner.query("CREATE INDEX `IDX_f8e97e113ddebc7bdbc14f72a2` ON `attachments` (`case_id`, `uploaded_at`, `id`)");
    await queryRunner.query("ALTER TABLE `attachments` DROP COLUMN `encrypted_zip`");
  }
}
