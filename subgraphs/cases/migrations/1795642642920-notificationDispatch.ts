import type { MigrationInterface, QueryRunner } from "typeorm";

export class NotificationDispatch1795642642920 implements MigrationInterface {
  name = "NotificationDispatch1795642642920";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `notification_outbox` ADD `claim_token` varchar(36) NULL");
    await queryRunner.query("ALTER TABLE `notification_outbox` ADD `lease_expires_at` datetime(3) NULL");
    await queryRunner.query("ALTER TABLE `notification_outbox` ADD `sent_at` datetime(3) NULL");
    await queryRunner.query("ALTER TABLE `notification_outbox` ADD `last_error` varchar(1000) NULL");
    await queryRunner.query("CREATE INDEX `IDX_840bcecdbfd9323fcc3de9833e` ON `notification_outbox` (`claim_token`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_840bcecdbfd9323fcc3de9833e` ON `notification_outbox`");
    await queryRunner.query("ALTER TABLE `notification_outbox` DROP COLUMN `last_error`");
    await queryRunner.query("ALTER TABLE `notification_outbox` DROP COLUMN `sent_at`");
    await queryRunner.query("ALTER TABLE `notification_outbox` DROP COLUMN `lease_expires_at`");
    await queryRunner.query("ALTER TABLE `notification_outbox` DROP COLUMN `claim_token`");
  }
}
