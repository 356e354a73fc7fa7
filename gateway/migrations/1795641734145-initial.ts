import type { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795641734145 implements MigrationInterface {
  name = "Initial1795641734145";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `partners` (`id` varchar(64) NOT NULL, `name` varchar(200) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB");
    await queryRunner.query("CREATE TABLE `partner_organizations` (`partner_id` varchar(64) NOT NULL, `organization_id` varchar(64) NOT NULL, INDEX `IDX_3286960e0b1f1c2e5a1fa9bf1e` (`organization_id`), PRIMARY KEY (`partner_id`, `organization_id`)) ENGINE=InnoDB");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_3286960e0b1f1c2e5a1fa9bf1e` ON `partner_organizations`");
    await queryRunner.query("DROP TABLE `partner_organizations`");
    await queryRunner.query("DROP TABLE `partners`");
  }
}
