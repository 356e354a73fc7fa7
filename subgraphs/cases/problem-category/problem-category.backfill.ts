import type { EntityManager } from "typeorm";
import { InquiryType } from "../case/case.enums.js";
import { PRODUCT_FALLBACK_CATEGORY, problemCategoriesOf } from "./problem-category.catalog.js";

const COMMENT = "The problem category became one of the category list; the text before is kept in this event.";

/**
 * Cases registered while the problem category was free text get an id of the category list: a threat
 * case its threat category (one fact), a product case whose text is no product category id
 * PRODUCT_OTHER. Each change is a history event of the system actor that keeps the old text. Plain
 * SQL, so that it means the same in the MySQL migration and at a SQLite start (the embedded default
 * is synchronized from the entities and runs no migrations); a second run changes nothing.
 */
export async function mapFreeTextProblemCategories(manager: EntityManager): Promise<number> {
  const mysql = manager.connection.options.type !== "better-sqlite3";
  const productIds = problemCategoriesOf(InquiryType.PRODUCT).map((c) => c.id);
  const threat = `'${InquiryType.THREAT}'`;
  const mapped = `CASE WHEN inquiry_type = ${threat} THEN COALESCE(threat_category, 'OTHER') ELSE '${PRODUCT_FALLBACK_CATEGORY}' END`;
  const stale = `((inquiry_type = ${threat} AND problem_category <> COALESCE(threat_category, '')) OR (inquiry_type <> ${threat} AND problem_category NOT IN (${productIds.map(() => "?").join(", ")})))`;
  const [{ count }] = await manager.query<[{ count: number | string }]>(`SELECT COUNT(*) AS count FROM cases WHERE ${stale}`, productIds);
  if (Number(count) === 0) return 0;
  const eventId = mysql
    ? "UUID()"
    : "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";
  const now = mysql ? "UTC_TIMESTAMP(3)" : "strftime('%Y-%m-%d %H:%M:%f', 'now')";
  await manager.query(
    `INSERT INTO case_events (id, case_id, field, old_value, new_value, comment, at, actor_id, actor_name, actor_role, actor_email)
     SELECT ${eventId}, id, 'problemCategory', problem_category, ${mapped}, ?, ${now}, 'system', 'casegraph', 'SYSTEM', NULL FROM cases WHERE ${stale}`,
    [COMMENT, ...productIds],
  );
  await manager.query(`UPDATE cases SET problem_category = ${mapped}, threat_category = CASE WHEN inquiry_type = ${threat} THEN COALESCE(threat_category, 'OTHER') ELSE NULL END WHERE ${stale}`, productIds);
  return Number(count);
}
