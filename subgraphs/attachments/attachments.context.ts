import DataLoader from "dataloader";
import { In, IsNull } from "typeorm";
import { countByParent } from "../kit/batch.js";
import { type CaseAccess, createCaseAccessLoader } from "../kit/case-access-client.js";
import { type ChildPageKey, childPageLoader } from "../kit/child-pages.js";
import type { Page } from "../kit/pagination.js";
import { canSeeOrganization, type Principal } from "../kit/principal.js";
import type { BaseContext } from "../kit/subgraph-server.js";
import { whereVisible } from "../kit/visibility.js";
import { AttachmentEntity, AttachmentState } from "./attachment/attachment.entity.js";
import { canSeeAttachment } from "./attachment/attachment.visibility.js";
import type { AttachmentsServices } from "./attachments.services.js";

export interface AttachmentsLoaders {
  /** Visible attachments by id (see `canSeeAttachment`: a STAGED file only for its uploader). */
  attachmentById: DataLoader<string, AttachmentEntity | null>;
  /** Newest-first ATTACHED files of a case (the attachments tab). */
  attachmentsPage: DataLoader<ChildPageKey, Page<AttachmentEntity>, string>;
  /** How many ATTACHED files a case has. */
  attachmentsCount: DataLoader<string, number>;
  /** The caller's own STAGED files of a case, oldest first. */
  myStagedByCase: DataLoader<string, AttachmentEntity[]>;
  /** The caller's own STAGED files of an organization that belong to no case yet, oldest first. */
  myStagedByOrganization: DataLoader<string, AttachmentEntity[]>;
  /** Files attached with a case update. */
  attachmentsByUpdate: DataLoader<string, AttachmentEntity[]>;
  caseAccess: DataLoader<string, CaseAccess | null>;
}

export interface AttachmentsContext extends BaseContext {
  services: AttachmentsServices;
  loaders: AttachmentsLoaders;
}

/** What a read by id shows: `canSeeAttachment` (a RESERVED file is shown again once it is ATTACHED or STAGED). */
function visibleRows(principal: Principal, rows: AttachmentEntity[]): AttachmentEntity[] {
  return rows.filter((row) => canSeeAttachment(principal, row));
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
    // The attachments tab shows the files that are part of the case; staged ones are their uploader's alone.
    where: `state = '${AttachmentState.ATTACHED}'`,
  });
  const myStaged = async (where: Record<string, unknown>, keys: readonly string[], keyOf: (row: AttachmentEntity) => string | null) => {
    const rows = visibleRows(principal, await repository.find({ where: { ...where, state: AttachmentState.STAGED, uploadedBy: { id: principal.id } }, order: { uploadedAt: "ASC", id: "ASC" } }));
    return keys.map((key) => rows.filter((row) => keyOf(row) === key));
  };
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
      countByParent(dataSource, AttachmentEntity, "caseId", caseIds, (qb) => whereVisible(qb, principal, "t").andWhere("t.state = :attached", { attached: AttachmentState.ATTACHED })),
    ),
    myStagedByCase: new DataLoader((caseIds) => myStaged({ caseId: In([...caseIds]) }, caseIds, (row) => row.caseId)),
    myStagedByOrganization: new DataLoader((organizationIds) => myStaged({ caseId: IsNull(), organizationId: In([...organizationIds]) }, organizationIds, (row) => row.organizationId)),
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
