import type { MigrationInterface, QueryRunner } from "typeorm";

export class ReservationRequestScope1796240000004 implements MigrationInterface {
  name = "ReservationRequestScope1796240000004";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE `attachment_reservations` ADD `request_scope` varchar(64) NULL");
    await queryRunner.query("CREATE INDEX `IDX_48e52923c0367c3a3bba743407` ON `attachment_reservations` (`request_scope`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_48e52923c0367c3a3bba743407` ON `attachment_reservations`");
    await queryRunner.query("ALTER TABLE `attachment_reservations` DROP COLUMN `request_scope`");
  }
}
