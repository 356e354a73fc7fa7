import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { buildAttachmentsSchema } from "../subgraphs/attachments/attachments-subgraph.js";
import { buildCasesSchema } from "../subgraphs/cases/cases-subgraph.js";
import { buildThreatsSchema } from "../subgraphs/threat-analysis/threats-subgraph.js";

/** The subgraphs and the URLs the committed supergraph names (each overridable by the gateway's config). */
export const SUBGRAPHS = [
  { name: "cases", url: "http://127.0.0.1:4001/graphql", build: buildCasesSchema },
  { name: "attachments", url: "http://127.0.0.1:4002/graphql", build: buildAttachmentsSchema },
  { name: "threat-analysis", url: "http://127.0.0.1:4003/graphql", build: buildThreatsSchema },
] as const;

export interface ComposedGraph {
  subgraphs: { name: string; sdl: string }[];
  supergraphSdl: string;
}

/** Prints each subgraph's SDL from its code and composes the supergraph, as `npm run schema` commits them. */
export async function composeSupergraph(): Promise<ComposedGraph> {
  const subgraphs = [];
  for (const subgraph of SUBGRAPHS) {
    subgraphs.push({ name: subgraph.name, url: subgraph.url, sdl: printSubgraphSchema(await subgraph.build()) });
  }
  const result = composeServices(subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => e.message).join("\n")}`);
  return { subgraphs: subgraphs.map(({ name, sdl }) => ({ name, sdl })), supergraphSdl: result.supergraphSdl };
}
