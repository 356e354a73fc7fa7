import type { DataSource, EntityTarget, ObjectLiteral, SelectQueryBuilder } from "typeorm";

/** Rows by id in key order, `null` for misses (a DataLoader batch function). */
export async function loadByIds<T extends ObjectLiteral & { id: string }>(dataSource: DataSource, entity: EntityTarget<T>, ids: readonly string[]): Promise<(T | null)[]> {
  const rows = await dataSource
    .getRepository(entity)
    .createQueryBuilder("t")
    .where("t.id IN (:...ids)", { ids: [...ids] })
    .getMany();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Number of rows per parent in key order, in one GROUP BY statement. */
export async function countByParent<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  parentProperty: string,
  parentIds: readonly string[],
  scope: (qb: SelectQueryBuilder<T>) => SelectQueryBuilder<T> = (qb) => qb,
): Promise<number[]> {
  const rows: { parentId: string; count: string | number }[] = await scope(dataSource.getRepository(entity).createQueryBuilder("t"))
    .select(`t.${parentProperty}`, "parentId")
    .addSelect("COUNT(*)", "count")
    .andWhere(`t.${parentProperty} IN (:...parentIds)`, { parentIds: [...parentIds] })
    .groupBy(`t.${parentProperty}`)
    .getRawMany();
  const counts = new Map(rows.map((r) => [r.parentId, Number(r.count)]));
  return parentIds.map((id) => counts.get(id) ?? 0);
}
