import type { DataSource, EntityTarget } from "typeorm";
import { notFound } from "../../kit/errors.js";
import type { Principal } from "../../kit/principal.js";
import { whereVisible } from "../../kit/visibility.js";

/** A result row by id if the caller may see its organization; NOT_FOUND otherwise (rule 11). */
export async function findVisibleResult<T extends { id: string; organizationId: string }>(dataSource: DataSource, principal: Principal, entity: EntityTarget<T>, id: string, what: string): Promise<T> {
  const row = await whereVisible(dataSource.getRepository(entity).createQueryBuilder("t"), principal, "t").andWhere("t.id = :id", { id }).getOne();
  if (!row) throw notFound(what, id);
  return row;
}
