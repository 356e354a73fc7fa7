import type { MigrationInterface, QueryRunner } from "typeorm";

export class AppliedCaseActivities1796210000002 implements MigrationInterface {
  name = "AppliedCaseActivities1796210000002";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "CREATE TABLE `applied_case_activities` (`id` varchar(36) NOT NULL, `case_id` varchar(36) NOT NULL, `kind` varchar(24) NOT NULL, `occurred_at` datetime(3) NOT NULL, `applied_at` datetime(3) NOT NULL, INDEX `IDX_f47bd9f90f5ad7b3c96d77c196` (`case_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_f47bd9f90f5ad7b3c96d77c196` ON `applied_case_activities`");
    await queryRunner.query("DROP TABLE `applied_case_activities`");
  }
}
