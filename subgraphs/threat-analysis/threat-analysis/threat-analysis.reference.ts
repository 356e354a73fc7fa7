import type { ReferenceResolvers } from "../../kit/federated-schema.js";
import type { ThreatsContext, ThreatsLoaders } from "../threats.context.js";

type ResultType = keyof ThreatsLoaders["resultById"];

function resolveVisible(type: ResultType) {
  return { __resolveReference: (reference: { id: string }, ctx: ThreatsContext) => ctx.loaders.resultById[type].load(reference.id) };
}

/** `_entities` for the result types: batched, null for results of organizations the caller may not see. */
export const threatReferenceResolvers: ReferenceResolvers = {
  FileAnalysis: resolveVisible("FileAnalysis"),
  UrlAnalysis: resolveVisible("UrlAnalysis"),
  EmailAnalysis: resolveVisible("EmailAnalysis"),
  AttkCollection: resolveVisible("AttkCollection"),
};
