import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/index.js";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { type DefinitionNode, type DocumentNode, type GraphQLSchema, parse } from "graphql";
import { type BuildSchemaOptions, buildSchema, createResolversMap } from "type-graphql";
import { requireReadScopeOnQueries } from "./read-scope.js";

/** The federation version every subgraph links, and the directives they may use. */
const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@inaccessible", "@external", "@requires"])';

/** Reference resolvers by type name: `{ Case: { __resolveReference } }`. */
export type ReferenceResolvers = GraphQLResolverMap<unknown>;

export interface FederatedSchemaOptions {
  /** `@inaccessible` root query fields that other subgraphs call to check a write; the only reads without `cases:read` (see read-scope.ts). */
  subgraphQueries?: readonly string[];
}

/**
 * The document with its type definitions sorted by name (the schema extension first). type-graphql
 * lists types in the order their modules were first imported, which differs between a service's
 * process and a test worker that imported other modules before: sorted, the printed SDL is the same.
 */
function inNameOrder(document: DocumentNode): DocumentNode {
  const nameOf = (definition: DefinitionNode) => ("name" in definition && definition.name ? definition.name.value : "");
  const [extensions, types] = [document.definitions.filter((d) => !nameOf(d)), document.definitions.filter((d) => nameOf(d))];
  return { ...document, definitions: [...extensions, ...types.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0))] };
}

/**
 * Builds a federation 2 subgraph schema from type-graphql resolvers: type-graphql prints the SDL
 * (with its @key/@inaccessible directives), Apollo turns it into a subgraph with `_entities`.
 * Every root query field, `_entities` included, then requires the `cases:read` scope.
 */
export async function buildFederatedSchema(options: Omit<BuildSchemaOptions, "skipCheck">, referenceResolvers: ReferenceResolvers = {}, { subgraphQueries = [] }: FederatedSchemaOptions = {}): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true });
  const typeDefs = inNameOrder(parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`));
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, fields] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...(fields as object) };
  }
  return requireReadScopeOnQueries(buildSubgraphSchema({ typeDefs, resolvers }), subgraphQueries);
}
