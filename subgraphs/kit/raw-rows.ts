import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";

/**
 * Entities from rows a hand-written statement returned (keys: the columns' database names, after
 * `prefix`), each value converted as TypeORM's own reads convert it: the driver's hydration (dates,
 * JSON, booleans) and the columns' transformers, embedded columns (`Actor`) included. For the hot
 * read paths whose statement is plain SQL; what a row lacks stays unset.
 */
export function entitiesFromRows<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, rows: readonly Record<string, unknown>[], prefix = ""): T[] {
  const metadata = dataSource.getMetadata(entity);
  const { driver } = dataSource;
  const columns = metadata.columns.map((column) => ({ column, key: `${prefix}${column.databaseName}` }));
  return rows.map((row) => {
    const target = metadata.create() as T;
    for (const { column, key } of columns) {
      const value = row[key];
      if (value !== undefined) column.setEntityValue(target, driver.prepareHydratedValue(value, column));
    }
    return target;
  });
}
