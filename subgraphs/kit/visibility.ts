import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import type { Principal } from "./principal.js";

/**
 * Restricts a query to rows of organizations the principal may see (rule 11 in docs/domain.md); engineers
 * see all. Every subgraph's reads go through this or `canSeeOrganization`.
 */
export function whereVisible<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, principal: Principal, alias: string): SelectQueryBuilder<T> {
  if (principal.organizationIds === null) return qb;
  if (principal.organizationIds.length === 0) return qb.andWhere("1 = 0");
  return qb.andWhere(`${alias}.organizationId IN (:...visibleOrganizations)`, { visibleOrganizations: principal.organizationIds });
}
