import DataLoader from "dataloader";
import { countByParent } from "../kit/batch.js";
import { type CaseAccess, createCaseAccessLoader } from "../kit/case-access-client.js";
import { type ChildPageKey, childPageLoader } from "../kit/child-pages.js";
import type { Page } from "../kit/pagination.js";
import { canSeeOrganization, type Principal } from "../kit/principal.js";
import type { BaseContext } from "../kit/subgraph-server.js";
import { whereVisible } from "../kit/visibility.js";
import { AttachmentEntity, AttachmentState } from "./attachment/attachment.entity.js";
import type { AttachmentsServices } from "./attachments.services.js";

export interface AttachmentsLoaders {
  /** Visible attachments by id. */
  attachmentById: DataLoader<string, AttachmentEntity | null>;
  /** Newest-first attachments of a case (the attachments tab). */
  attachmentsPage: DataLoader<ChildPageKey, Page<AttachmentEntity>, string>;
  attachmentsCount: DataLoader<string, number>;
  /** Files attached with a case update. */
  attachmentsByUpdate: DataLoader<string, AttachmentEntity[]>;
  caseAccess: DataLoader<string, CaseAccess | null>;
}

export interface AttachmentsContext extends BaseContext {
  services: AttachmentsServices;
  loaders: AttachmentsLoaders;
}

/**
 * What a read shows: files of organizations the principal may see, and not the RESERVED ones (a file
 * in the middle of joining a case is shown again once that ends, ATTACHED or STAGED).
 */
function visibleRows(principal: Principal, rows: AttachmentEntity[]): AttachmentEntity[] {
  return rows.filter((row) => row.state !== AttachmentState.RESERVED && canSeeOrganization(principal, row.organizationId));
}

/** `identityToken`: the caller's gateway-signed token, forwarded when asking the cases subgraph. */
export function createAttachmentsLoaders(services: AttachmentsServices, principal: Principal, identityToken: string): AttachmentsLoaders {
  const { dataSource, config } = services;
  const repository = dataSource.getRepository(AttachmentEntity);
  const pages = childPageLoader({
    dataSource,
    entity: AttachmentEntity,
    table: "attachments",
    parentColumn: "case_id",
    orderColumn: "uploaded_at",
    parentOf: (r) => r.caseId ?? "",
    orderOf: (r) => r.uploadedAt,
    where: `state <> '${AttachmentState.RESERVED}'`,
  });
  return {
    attachmentById: new DataLoader(async (ids) => {
      const rows = visibleRows(
        principal,
        await repository
          .createQueryBuilder("a")
          .where("a.id IN (:...ids)", { ids: [...ids] })
          .getMany(),
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    // All files of a case belong to its organization: filtering rows by organization is filtering the case.
    attachmentsPage: new DataLoader(
      async (keys) =>
        (await pages.loadMany(keys)).map((page) => {
          if (page instanceof Error) return page;
          const edges = page.edges.filter((edge) => canSeeOrganization(principal, edge.node.organizationId));
          return edges.length === page.edges.length ? page : { edges, pageInfo: { hasNextPage: false, endCursor: null } };
        }),
      { cacheKeyFn: (key) => `${key.parentId}|${key.first ?? ""}|${key.after ?? ""}` },
    ),
    attachmentsCount: new DataLoader((caseIds) =>
      countByParent(dataSource, AttachmentEntity, "caseId", caseIds, (qb) => whereVisible(qb, principal, "t").andWhere("t.state <> :reserved", { reserved: AttachmentState.RESERVED })),
    ),
    attachmentsByUpdate: new DataLoader(async (updateIds) => {
      const rows = visibleRows(
        principal,
        await repository
          .createQueryBuilder("a")
          .where("a.caseUpdateId IN (:...updateIds)", { updateIds: [...updateIds] })
          .orderBy("a.uploadedAt", "ASC")
          .addOrderBy("a.id")
          .getMany(),
      );
      return updateIds.map((id) => rows.filter((row) => row.caseUpdateId === id));
    }),
    caseAccess: createCaseAccessLoader(config.casesUrl, identityToken),
  };
}
