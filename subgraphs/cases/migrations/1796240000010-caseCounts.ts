import type { MigrationInterface, QueryRunner } from "typeorm";

export class CaseCounts1796240000010 implements MigrationInterface {
  name = "CaseCounts1796240000010";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE `case_counts` (`organization_id` varchar(64) NOT NULL, `status` varchar(16) NOT NULL, `sub_status` varchar(32) NOT NULL, `severity` varchar(16) NOT NULL, `inquiry_type` varchar(16) NOT NULL, `total` int NOT NULL, PRIMARY KEY (`organization_id`, `status`, `sub_status`, `severity`, `inquiry_type`)) ENGINE=InnoDB");
    // The cases already there, counted once; from here on every change to a case counts it in its own transaction.
    await queryRunner.query("INSERT INTO `case_counts` (`organization_id`, `status`, `sub_status`, `severity`, `inquiry_type`, `total`) SELECT `organization_id`, `status`, `sub_status`, `severity`, `inquiry_type`, COUNT(*) FROM `cases` GROUP BY `organization_id`, `status`, `sub_status`, `severity`, `inquiry_type`");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TABLE `case_counts`");
  }
}
