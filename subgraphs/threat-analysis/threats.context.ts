import DataLoader from "dataloader";
import type { DataSource, EntityTarget } from "typeorm";
import { createCaseAccessLoader } from "../kit/case-access-client.js";
import type { Principal } from "../kit/principal.js";
import type { BaseContext } from "../kit/subgraph-server.js";
import { whereVisible } from "../kit/visibility.js";
import { AnalysisRequestEntity } from "./analysis-request/analysis-request.entity.js";
import type { AnalysisRequestService } from "./analysis-request/analysis-request.service.js";
import type { EmailAnalysisService } from "./email-analysis/email-analysis.service.js";
import type { AnalysisRequestLifecycle } from "./analysis-request/analysis-request-lifecycle.service.js";
import type { CaseActivityOutbox } from "./case-activity/case-activity.outbox.js";
import { createAttachmentFactsLoader } from "./attachment/attachment-facts.client.js";
import { AttkCollectionEntity } from "./attk-collection/attk-collection.entity.js";
import { EmailAnalysisEntity } from "./email-analysis/email-analysis.entity.js";
import { FileAnalysisEntity } from "./file-analysis/file-analysis.entity.js";
import { FileVerdictEntity } from "./file-analysis/file-verdict.entity.js";
import type { RequestQueue } from "./request-queue/request-queue.service.js";
import type { CaseScoped } from "./threat-analysis/case-scoped.js";
import type { ThreatAnalysisService } from "./threat-analysis/threat-analysis.service.js";
import type { CallerLookups } from "./threats.request.js";
import { UrlAnalysisEntity } from "./url-analysis/url-analysis.entity.js";

/** The services the resolvers call; each was built with only what it uses. */
export interface ThreatsServices {
  analysis: ThreatAnalysisService;
  requests: AnalysisRequestService;
  /** Engineers starting and answering requests. */
  requestLifecycle: AnalysisRequestLifecycle;
  /** The case-activity outbox's relay side (claims and acknowledgements). */
  caseActivity: CaseActivityOutbox;
  /** The engineers' queue of analysis requests and their response targets. */
  queue: RequestQueue;
  /** Files attached to e-mails. */
  emails: EmailAnalysisService;
}

export interface ThreatsLoaders extends CallerLookups {
  filesByCase: DataLoader<string, FileAnalysisEntity[]>;
  urlsByCase: DataLoader<string, UrlAnalysisEntity[]>;
  emailsByCase: DataLoader<string, EmailAnalysisEntity[]>;
  attkByCase: DataLoader<string, AttkCollectionEntity[]>;
  requestsBySubject: DataLoader<string, AnalysisRequestEntity[]>;
  /** `FileAnalysis.verdictHistory`, oldest first. */
  verdictsByFile: DataLoader<string, FileVerdictEntity[]>;
  /** `EmailAnalysis.files`, oldest first. */
  filesByEmail: DataLoader<string, FileAnalysisEntity[]>;
  /** Visible results by id, per GraphQL type: `FileAnalysis.email` and the `_entities` lookups. */
  resultById: {
    FileAnalysis: DataLoader<string, FileAnalysisEntity | null>;
    UrlAnalysis: DataLoader<string, UrlAnalysisEntity | null>;
    EmailAnalysis: DataLoader<string, EmailAnalysisEntity | null>;
    AttkCollection: DataLoader<string, AttkCollectionEntity | null>;
  };
}

export interface ThreatsContext extends BaseContext {
  services: ThreatsServices;
  loaders: ThreatsLoaders;
}

/** What the per-request loaders read: this subgraph's database, and the subgraphs asked as the caller. */
export interface ThreatsLoaderSources {
  dataSource: DataSource;
  casesUrl: string;
  attachmentsUrl: string;
}

type Row = CaseScoped & { id: string; createdAt?: Date; requestedAt?: Date };

/** Visible rows grouped by a parent column, oldest first, in one statement per batch. */
function groupedLoader<T extends Row>(dataSource: DataSource, entity: EntityTarget<T>, principal: Principal, parent: "caseId" | "subjectId" | "fileAnalysisId" | "emailAnalysisId" | "id", order: string) {
  return new DataLoader<string, T[]>(async (keys) => {
    const rows = await whereVisible(dataSource.getRepository(entity).createQueryBuilder("t"), principal, "t")
      .andWhere(`t.${parent} IN (:...keys)`, { keys: [...keys] })
      .orderBy(`t.${order}`, "ASC")
      .addOrderBy("t.id", "ASC")
      .getMany();
    return keys.map((key) => rows.filter((row) => (row as unknown as Record<string, string>)[parent] === key));
  });
}

/** The one row of each key, or null: a grouped loader read by id. */
function singleLoader<T>(grouped: DataLoader<string, T[]>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => (await grouped.loadMany(ids)).map((rows) => (rows instanceof Error ? rows : (rows[0] ?? null))));
}

/** `identityToken`: the caller's gateway-signed token, forwarded when asking the cases and attachments subgraphs. */
export function createThreatsLoaders(sources: ThreatsLoaderSources, principal: Principal, identityToken: string): ThreatsLoaders {
  const { dataSource } = sources;
  const byId = <T extends Row>(entity: EntityTarget<T>) => singleLoader(groupedLoader(dataSource, entity, principal, "id", "createdAt"));
  return {
    filesByCase: groupedLoader(dataSource, FileAnalysisEntity, principal, "caseId", "createdAt"),
    urlsByCase: groupedLoader(dataSource, UrlAnalysisEntity, principal, "caseId", "createdAt"),
    emailsByCase: groupedLoader(dataSource, EmailAnalysisEntity, principal, "caseId", "createdAt"),
    attkByCase: groupedLoader(dataSource, AttkCollectionEntity, principal, "caseId", "createdAt"),
    requestsBySubject: groupedLoader(dataSource, AnalysisRequestEntity, principal, "subjectId", "requestedAt"),
    verdictsByFile: groupedLoader(dataSource, FileVerdictEntity, principal, "fileAnalysisId", "sequence"),
    filesByEmail: groupedLoader(dataSource, FileAnalysisEntity, principal, "emailAnalysisId", "createdAt"),
    resultById: {
      FileAnalysis: byId(FileAnalysisEntity),
      UrlAnalysis: byId(UrlAnalysisEntity),
      EmailAnalysis: byId(EmailAnalysisEntity),
      AttkCollection: byId(AttkCollectionEntity),
    },
    caseAccess: createCaseAccessLoader(sources.casesUrl, identityToken),
    caseStatus: new Map(),
    attachmentFacts: createAttachmentFactsLoader(sources.attachmentsUrl, identityToken),
  };
}
