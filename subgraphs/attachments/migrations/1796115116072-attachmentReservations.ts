import type { MigrationInterface, QueryRunner } from "typeorm";

export class AttachmentReservations1796115116072 implements MigrationInterface {
  name = "AttachmentReservations1796115116072";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `staged_reservations` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `update_id` varchar(36) NULL, `state` varchar(16) NOT NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("ALTER TABLE `attachments` ADD `reservation_id` varchar(36) NULL");
    await queryRunner.query("CREATE INDEX `IDX_36369574d8b1c56077bc6af446` ON `attachments` (`reservation_id`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_36369574d8b1c56077bc6af446` ON `attachments`");
    await queryRunner.query("ALTER TABLE `attachments` DROP COLUMN `reservation_id`");
    await queryRunner.query("DROP TABLE `staged_reservations`");
  }
}
