import DataLoader from "dataloader";
import type { EntityTarget } from "typeorm";
import type { ReferenceResolvers } from "../../kit/federated-schema.js";
import { whereVisible } from "../../kit/visibility.js";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import type { ThreatsContext } from "../threats.context.js";
import { UrlAnalysisEntity } from "../url-analysis/url-analysis.entity.js";

const loaders = new WeakMap<ThreatsContext, Map<unknown, DataLoader<string, unknown>>>();

/** A per-request batched lookup of visible rows by id. */
function visibleById(ctx: ThreatsContext, entity: EntityTarget<{ id: string; organizationId: string }>) {
  const perRequest = loaders.get(ctx) ?? new Map<unknown, DataLoader<string, unknown>>();
  loaders.set(ctx, perRequest);
  let loader = perRequest.get(entity);
  if (!loader) {
    loader = new DataLoader<string, unknown>(async (ids) => {
      const qb = ctx.services.dataSource
        .getRepository(entity)
        .createQueryBuilder("t")
        .where("t.id IN (:...ids)", { ids: [...ids] });
      const rows = await whereVisible(qb, ctx.principal, "t").getMany();
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    perRequest.set(entity, loader);
  }
  return loader;
}

function resolveVisible(entity: EntityTarget<{ id: string; organizationId: string }>) {
  return { __resolveReference: (reference: { id: string }, ctx: ThreatsContext) => visibleById(ctx, entity).load(reference.id) };
}

/** `_entities` for the result types: batched, null for results of organizations the caller may not see. */
export const threatReferenceResolvers: ReferenceResolvers = {
  FileAnalysis: resolveVisible(FileAnalysisEntity),
  UrlAnalysis: resolveVisible(UrlAnalysisEntity),
  EmailAnalysis: resolveVisible(EmailAnalysisEntity),
  AttkCollection: resolveVisible(AttkCollectionEntity),
};
