import DataLoader from "dataloader";
import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { badInput } from "./errors.js";
import { decodeCursor, pageSize, toPage, type Page } from "./pagination.js";
import { entitiesFromRows } from "./raw-rows.js";
import { readRows } from "./read-routing.js";
import type { Keyset } from "./pagination.js";

export interface ChildPageQuery {
  /** Table and columns in SQL names (snake_case). */
  table: string;
  parentColumn: string;
  orderColumn: string;
  parentIds: readonly string[];
  /** Rows to fetch per parent (page size + 1, to know about a next page). */
  perParent: number;
  /** Only rows after this position (newest first), when paging on. */
  after: Keyset | null;
  /** A fixed SQL condition on the child table that rows must meet too (never built from input). */
  where?: string;
}

/** UTC `YYYY-MM-DD HH:MM:SS.mmm`, as both MySQL and TypeORM's SQLite columns store datetimes. */
export function sqlDatetime(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

/**
 * Newest-first pages of child rows for many parents in one statement, whatever the number of
 * parents: a window function ranks the ids over the (parent, order, id) index, and only the rows
 * ranked within the page are read. Returns rows per parent.
 */
export async function loadChildPages<T extends ObjectLiteral & { id: string }>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  query: ChildPageQuery,
  parentOf: (row: T) => string,
  orderOf: (row: T) => Date,
): Promise<Map<string, T[]>> {
  const { table, parentColumn, orderColumn, parentIds, perParent, after, where } = query;
  const params: unknown[] = [...parentIds];
  let conditions = where ? ` AND (${where})` : "";
  if (after) {
    const at = sqlDatetime(new Date(String(after.value)));
    conditions += ` AND (${orderColumn} < ? OR (${orderColumn} = ? AND id < ?))`;
    params.push(at, at, after.id);
  }
  params.push(perParent);
  const placeholders = parentIds.map(() => "?").join(", ");
  const raw = await readRows(
    dataSource,
    `SELECT child.* FROM ${table} child JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY ${parentColumn} ORDER BY ${orderColumn} DESC, id DESC) AS position ` +
      `FROM ${table} WHERE ${parentColumn} IN (${placeholders})${conditions}) ranked ON ranked.id = child.id WHERE ranked.position <= ?`,
    params,
  );
  const byParent = new Map<string, T[]>(parentIds.map((id) => [id, []]));
  const rows = entitiesFromRows(dataSource, entity, raw);
  rows.sort((a, b) => orderOf(b).getTime() - orderOf(a).getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  for (const row of rows) byParent.get(parentOf(row))?.push(row);
  return byParent;
}

/** A page request for a child list: which parent, and the page arguments. */
export interface ChildPageKey {
  parentId: string;
  first?: number | null;
  after?: string | null;
}

function keyOf(key: ChildPageKey): string {
  return `${key.parentId}|${key.first ?? ""}|${key.after ?? ""}`;
}

function childCursor(after: string | null | undefined): Keyset | null {
  const keyset = decodeCursor(after);
  if (keyset && (typeof keyset.value !== "string" || Number.isNaN(new Date(keyset.value).getTime()))) {
    throw badInput("after", "after is not a cursor of this list");
  }
  return keyset;
}

export interface ChildPageLoaderOptions<T> {
  dataSource: DataSource;
  entity: EntityTarget<T>;
  table: string;
  parentColumn: string;
  orderColumn: string;
  parentOf: (row: T) => string;
  orderOf: (row: T) => Date;
  /** See `ChildPageQuery.where`. */
  where?: string;
}

/**
 * Per-request DataLoader of newest-first child pages: keys with the same page arguments share one
 * batched query, so the number of statements does not grow with the number of parents.
 */
export function childPageLoader<T extends ObjectLiteral & { id: string }>(options: ChildPageLoaderOptions<T>): DataLoader<ChildPageKey, Page<T>, string> {
  const { dataSource, entity, table, parentColumn, orderColumn, parentOf, orderOf, where } = options;
  return new DataLoader<ChildPageKey, Page<T>, string>(
    async (keys) => {
      const groups = new Map<string, ChildPageKey[]>();
      for (const key of keys) {
        const group = `${key.first ?? ""}|${key.after ?? ""}`;
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      const pages = new Map<string, Page<T>>();
      for (const group of groups.values()) {
        const limit = pageSize(group[0]!.first);
        const after = childCursor(group[0]!.after);
        const parentIds = [...new Set(group.map((k) => k.parentId))];
        const rows = await loadChildPages(dataSource, entity, { table, parentColumn, orderColumn, parentIds, perParent: limit + 1, after, where }, parentOf, orderOf);
        for (const key of group) {
          pages.set(
            keyOf(key),
            toPage(rows.get(key.parentId) ?? [], limit, (r) => ({ value: orderOf(r).toISOString(), id: r.id })),
          );
        }
      }
      return keys.map((key) => pages.get(keyOf(key))!);
    },
    { cacheKeyFn: keyOf },
  );
}
