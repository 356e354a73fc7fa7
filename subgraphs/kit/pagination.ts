// Decorated below: the metadata polyfill loads first, whichever module imports this one first.
import "reflect-metadata";
import { Directive, Field, ObjectType } from "type-graphql";
import { badInput } from "./errors.js";

@ObjectType({ description: "Relay page information." })
@Directive("@shareable")
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `first` defaults to 20 and must be 1–100, on every connection of the public contract. */
export function pageSize(first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput("first", `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/** A keyset position: the sort value of the last row seen, and its id as the tie-breaker. */
export interface Keyset {
  value: string | number | null;
  id: string;
}

export function encodeCursor(keyset: Keyset): string {
  return Buffer.from(JSON.stringify([keyset.value, keyset.id])).toString("base64url");
}

/** Cursors are opaque to clients; anything we did not issue is BAD_USER_INPUT on `after`. */
export function decodeCursor(cursor: string | null | undefined): Keyset | null {
  if (cursor === undefined || cursor === null) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === "string") {
      const [value, id] = parsed as [unknown, string];
      if (value === null || typeof value === "string" || typeof value === "number") return { value, id };
    }
  } catch {
    // fall through
  }
  throw badInput("after", "after is not a cursor this API issued");
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

/** Turns `limit + 1` fetched rows into a page: the extra row only says whether there is a next page. */
export function toPage<T>(rows: T[], limit: number, keysetOf: (row: T) => Keyset): Page<T> {
  const nodes = rows.slice(0, limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keysetOf(node)), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
}
