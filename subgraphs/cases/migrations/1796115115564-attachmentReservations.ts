import type { MigrationInterface, QueryRunner } from "typeorm";

export class AttachmentReservations1796115115564 implements MigrationInterface {
  name = "AttachmentReservations1796115115564";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `attachment_reservations` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `update_id` varchar(36) NULL, `attachment_ids` text NOT NULL, `state` varchar(16) NOT NULL, `created_at` datetime(3) NOT NULL, `attempts` int NOT NULL DEFAULT '0', `next_attempt_at` datetime(3) NOT NULL, `claim_token` varchar(36) NULL, `lease_expires_at` datetime(3) NULL, `last_error` varchar(1000) NULL, INDEX `IDX_727774670709e36acd3300d321` (`claim_token`), INDEX `IDX_b7aba1449284aaabf489dbb089` (`state`, `created_at`), INDEX `IDX_ecb6541a91cf0db3c85bde461a` (`state`, `next_attempt_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_ecb6541a91cf0db3c85bde461a` ON `attachment_reservations`");
    await queryRunner.query("DROP INDEX `IDX_b7aba1449284aaabf489dbb089` ON `attachment_reservations`");
    await queryRunner.query("DROP INDEX `IDX_727774670709e36acd3300d321` ON `attachment_reservations`");
    await queryRunner.query("DROP TABLE `attachment_reservations`");
  }
}
