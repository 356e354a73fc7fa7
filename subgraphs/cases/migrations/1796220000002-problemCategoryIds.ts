import type { MigrationInterface, QueryRunner } from "typeorm";
import { mapFreeTextProblemCategories } from "../problem-category/problem-category.backfill.js";

/** Free-text problem categories become ids of the category list (a data migration; see mapFreeTextProblemCategories). */
export class ProblemCategoryIds1796220000002 implements MigrationInterface {
  name = "ProblemCategoryIds1796220000002";

  async up(queryRunner: QueryRunner): Promise<void> {
    await mapFreeTextProblemCategories(queryRunner.manager);
  }

  async down(): Promise<void> {
    // The ids stay: the texts they replaced are in each case's history.
  }
}
