import { defaultFieldResolver, type GraphQLSchema } from "graphql";
import { forbidden } from "./errors.js";
import { hasScope, type Principal } from "./principal.js";

/** The scope every read needs; users (bearer tokens) have it, partner API keys when they were given it. */
export const READ_SCOPE = "cases:read";

/** Root fields that carry no case data: the subgraph's SDL, for composition tools. */
const SCHEMA_ONLY_FIELDS = new Set(["_service"]);

/** FORBIDDEN unless the principal holds `cases:read`. */
export function requireReadScope(principal: Principal | undefined): void {
  if (!principal || !hasScope(principal, READ_SCOPE)) throw forbidden(`This credential lacks the ${READ_SCOPE} scope`);
}

/**
 * Makes every root query field of `schema` (the resolvers' own ones and `_entities`, through which the
 * gateway reaches every entity field of another subgraph) refuse a principal without `cases:read` with
 * FORBIDDEN, before its resolver runs. Every read enters a subgraph through one of these fields, so a
 * new resolver is covered without doing anything. Mutations are not reads: they check their own write
 * scope, and their payload is their answer.
 *
 * `subgraphQueries` names root fields that other subgraphs call as the caller to check a write (the
 * case or file it touches): they must be `@inaccessible`, so that no client reaches them, and they need
 * no read scope (an upload with `attachments:write` asks the cases subgraph about its case).
 */
export function requireReadScopeOnQueries(schema: GraphQLSchema, subgraphQueries: readonly string[] = []): GraphQLSchema {
  const fields = schema.getQueryType()?.getFields() ?? {};
  for (const name of subgraphQueries) {
    const hidden = fields[name]?.astNode?.directives?.some((directive) => directive.name.value === "inaccessible");
    if (!hidden) throw new Error(`${name} is exempt from the read scope, so it must be an @inaccessible root query field`);
  }
  const exempt = new Set([...subgraphQueries, ...SCHEMA_ONLY_FIELDS]);
  for (const field of Object.values(fields)) {
    if (exempt.has(field.name)) continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: { principal?: Principal } | undefined, info) => {
      requireReadScope(context?.principal);
      return resolve(source, args, context, info);
    };
  }
  return schema;
}
