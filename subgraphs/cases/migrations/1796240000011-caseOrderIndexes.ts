import type { MigrationInterface, QueryRunner } from "typeorm";

export class CaseOrderIndexes1796240000011 implements MigrationInterface {
  name = "CaseOrderIndexes1796240000011";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE INDEX `IDX_2bdc023b60647eec88f361c7c2` ON `cases` (`organization_id`, `severity_rank`, `id`)");
    await queryRunner.query("CREATE INDEX `IDX_ba2440644106c8c24d464080b3` ON `cases` (`organization_id`, `created_at`, `id`)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX `IDX_ba2440644106c8c24d464080b3` ON `cases`");
    await queryRunner.query("DROP INDEX `IDX_2bdc023b60647eec88f361c7c2` ON `cases`");
  }
}
