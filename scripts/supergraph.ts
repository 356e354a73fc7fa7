import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { type GraphQLSchema, parse } from "graphql";
import { buildAttachmentsSchema } from "../subgraphs/attachments/attachments-subgraph.js";
import { buildCasesSchema } from "../subgraphs/cases/cases-subgraph.js";
import { subgraphUrl, type SubgraphName } from "../subgraphs/kit/topology.js";
import { buildThreatsSchema } from "../subgraphs/threat-analysis/threats-subgraph.js";

/** Each subgraph's schema, built from its code. */
const SCHEMAS = { cases: buildCasesSchema, attachments: buildAttachmentsSchema, "threat-analysis": buildThreatsSchema } as const;

export interface ComposedGraph {
  subgraphs: { name: string; sdl: string }[];
  supergraphSdl: string;
}

/**
 * Prints each subgraph's SDL from its code and composes the supergraph, as `npm run schema` commits
 * them: with the default URLs of the topology (each overridable by the gateway's config), or with
 * `urls` (the benchmark's peer gateway reads the URLs from the supergraph).
 */
export async function composeSupergraph(urls: Partial<Record<SubgraphName, string>> = {}): Promise<ComposedGraph> {
  const subgraphs = [];
  for (const [name, build] of Object.entries(SCHEMAS) as [SubgraphName, () => Promise<GraphQLSchema>][]) {
    subgraphs.push({ name, url: urls[name] ?? subgraphUrl(name), sdl: printSubgraphSchema(await build()) });
  }
  const result = composeServices(subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => e.message).join("\n")}`);
  return { subgraphs: subgraphs.map(({ name, sdl }) => ({ name, sdl })), supergraphSdl: result.supergraphSdl };
}
