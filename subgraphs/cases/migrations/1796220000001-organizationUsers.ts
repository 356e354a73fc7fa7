import type { MigrationInterface, QueryRunner } from "typeorm";

export class OrganizationUsers1796220000001 implements MigrationInterface {
  name = "OrganizationUsers1796220000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "CREATE TABLE `organization_users` (`id` varchar(128) NOT NULL, `organization_id` varchar(64) NOT NULL, `email` varchar(254) NOT NULL, `name` varchar(200) NOT NULL, UNIQUE INDEX `IDX_3c4c2ef5d0333986a6558407a9` (`organization_id`, `email`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_3c4c2ef5d0333986a6558407a9` ON `organization_users`");
    await queryRunner.query("DROP TABLE `organization_users`");
  }
}
