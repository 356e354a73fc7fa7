import DataLoader from "dataloader";
import type { DataSource, EntityTarget } from "typeorm";
import { type CaseAccess, createCaseAccessLoader } from "../kit/case-access-client.js";
import type { Principal } from "../kit/principal.js";
import type { BaseContext } from "../kit/subgraph-server.js";
import { whereVisible } from "../kit/visibility.js";
import { AnalysisRequestEntity } from "./analysis-request/analysis-request.entity.js";
import type { AnalysisRequestService } from "./analysis-request/analysis-request.service.js";
import { type AttachmentFacts, createAttachmentFactsLoader } from "./attachment/attachment-facts.client.js";
import { AttkCollectionEntity } from "./attk-collection/attk-collection.entity.js";
import type { ThreatsConfig } from "./config.js";
import { EmailAnalysisEntity } from "./email-analysis/email-analysis.entity.js";
import { FileAnalysisEntity } from "./file-analysis/file-analysis.entity.js";
import type { CaseScoped } from "./threat-analysis/case-scoped.js";
import type { ThreatAnalysisService } from "./threat-analysis/threat-analysis.service.js";
import { UrlAnalysisEntity } from "./url-analysis/url-analysis.entity.js";

export interface ThreatsServices {
  dataSource: DataSource;
  config: ThreatsConfig;
  analysis: ThreatAnalysisService;
  requests: AnalysisRequestService;
}

export interface ThreatsLoaders {
  filesByCase: DataLoader<string, FileAnalysisEntity[]>;
  urlsByCase: DataLoader<string, UrlAnalysisEntity[]>;
  emailsByCase: DataLoader<string, EmailAnalysisEntity[]>;
  attkByCase: DataLoader<string, AttkCollectionEntity[]>;
  requestsBySubject: DataLoader<string, AnalysisRequestEntity[]>;
  emailById: DataLoader<string, EmailAnalysisEntity | null>;
  /** The case's organization, type, category and status, from the cases subgraph (as the caller). */
  caseAccess: DataLoader<string, CaseAccess | null>;
  /** Uploaded files, from the attachments subgraph (as the caller). */
  attachmentFacts: DataLoader<string, AttachmentFacts | null>;
}

export interface ThreatsContext extends BaseContext {
  services: ThreatsServices;
  loaders: ThreatsLoaders;
}

/** What a service needs of one request: who calls, and the per-request loaders. */
export type ThreatsRequest = Pick<ThreatsContext, "principal" | "loaders">;

type Row = CaseScoped & { id: string; createdAt?: Date; requestedAt?: Date };

/** Visible rows grouped by a parent column, oldest first, in one statement per batch. */
function groupedLoader<T extends Row>(dataSource: DataSource, entity: EntityTarget<T>, principal: Principal, parent: "caseId" | "subjectId" | "id", order: string) {
  return new DataLoader<string, T[]>(async (keys) => {
    const rows = await whereVisible(dataSource.getRepository(entity).createQueryBuilder("t"), principal, "t")
      .andWhere(`t.${parent} IN (:...keys)`, { keys: [...keys] })
      .orderBy(`t.${order}`, "ASC")
      .addOrderBy("t.id", "ASC")
      .getMany();
    return keys.map((key) => rows.filter((row) => (row as unknown as Record<string, string>)[parent] === key));
  });
}

/** `identityToken`: the caller's gateway-signed token, forwarded when asking the cases and attachments subgraphs. */
export function createThreatsLoaders(services: Pick<ThreatsServices, "dataSource" | "config">, principal: Principal, identityToken: string): ThreatsLoaders {
  const { dataSource, config } = services;
  const emailsById = groupedLoader(dataSource, EmailAnalysisEntity, principal, "id", "createdAt");
  return {
    filesByCase: groupedLoader(dataSource, FileAnalysisEntity, principal, "caseId", "createdAt"),
    urlsByCase: groupedLoader(dataSource, UrlAnalysisEntity, principal, "caseId", "createdAt"),
    emailsByCase: groupedLoader(dataSource, EmailAnalysisEntity, principal, "caseId", "createdAt"),
    attkByCase: groupedLoader(dataSource, AttkCollectionEntity, principal, "caseId", "createdAt"),
    requestsBySubject: groupedLoader(dataSource, AnalysisRequestEntity, principal, "subjectId", "requestedAt"),
    emailById: new DataLoader(async (ids) => (await emailsById.loadMany(ids)).map((rows) => (rows instanceof Error ? rows : (rows[0] ?? null)))),
    caseAccess: createCaseAccessLoader(config.casesUrl, identityToken),
    attachmentFacts: createAttachmentFactsLoader(config.attachmentsUrl, identityToken),
  };
}
