import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { countByParent, loadByIds } from "../kit/batch.js";
import { type ChildPageKey, childPageLoader } from "../kit/child-pages.js";
import type { Page } from "../kit/pagination.js";
import type { BaseContext } from "../kit/subgraph-server.js";
import type { ReservationStore } from "./attachment-reservation/attachment-reservation.store.js";
import type { CaseActivityService } from "./case-activity/case-activity.service.js";
import { CaseEventEntity } from "./case-event/case-event.entity.js";
import type { CaseFeedReader } from "./case-feed/case-feed.reader.js";
import type { CaseFeedWriter } from "./case-feed/case-feed.writer.js";
import { CaseUpdateEntity } from "./case-update/case-update.entity.js";
import type { CaseEntity } from "./case/case.entity.js";
import type { CaseService } from "./case/case.service.js";
import type { CaseResponseTargets } from "./response-target/response-target.service.js";
import type { CaseSearchIndex } from "./search/search-index.js";
import type { SearchPlanKind } from "./search/search-plan.js";
import { Organization } from "./organization/organization.entity.js";
import { ProductProfile } from "./product-profile/product-profile.entity.js";
import type { WebhookService } from "./webhook/webhook.service.js";

export interface CasesServices {
  dataSource: DataSource;
  cases: CaseService;
  /** Reservation rows of files joining cases: recovery and relay delivery (the coordinator writes through it too). */
  reservations: ReservationStore;
  /** Threat activity delivered by the gateway's relay: history, mail and status, each activity once. */
  caseActivity: CaseActivityService;
  /** Response targets of cases waiting for support: `Case.dueAt`, `Case.overdue`, the `overdue` filter. */
  responseTargets: CaseResponseTargets;
  /** The case feed: every command writes its events through `feedWriter`; subscriptions and retention read through `feed`. */
  feed: CaseFeedReader;
  feedWriter: CaseFeedWriter;
  /** Partner webhook endpoints and their delivery log (the deliveries themselves are written by the feed writer's webhook follower). */
  webhooks: WebhookService;
  /** Full-text search: how this database answers `filter.search`, and the index the services keep. */
  search: { plan: SearchPlanKind; index: CaseSearchIndex };
}

export interface CasesLoaders {
  caseById: DataLoader<string, CaseEntity | null>;
  organizationById: DataLoader<string, Organization | null>;
  productProfileById: DataLoader<string, ProductProfile | null>;
  updateById: DataLoader<string, CaseUpdateEntity | null>;
  updatesPage: DataLoader<ChildPageKey, Page<CaseUpdateEntity>, string>;
  updatesCount: DataLoader<string, number>;
  historyPage: DataLoader<ChildPageKey, Page<CaseEventEntity>, string>;
}

export interface CasesContext extends BaseContext {
  services: CasesServices;
  loaders: CasesLoaders;
}

/** DataLoaders live for one request: batching across a response, no caching across callers. */
export function createCasesLoaders(services: CasesServices, principal: BaseContext["principal"]): CasesLoaders {
  const { dataSource } = services;
  return {
    caseById: new DataLoader((ids) => services.cases.findVisible(principal, ids)),
    organizationById: new DataLoader((ids) => loadByIds(dataSource, Organization, ids)),
    productProfileById: new DataLoader((ids) => loadByIds(dataSource, ProductProfile, ids)),
    updateById: new DataLoader((ids) => loadByIds(dataSource, CaseUpdateEntity, ids)),
    updatesPage: childPageLoader({ dataSource, entity: CaseUpdateEntity, table: "case_updates", parentColumn: "case_id", orderColumn: "created_at", parentOf: (r) => r.caseId, orderOf: (r) => r.createdAt }),
    historyPage: childPageLoader({ dataSource, entity: CaseEventEntity, table: "case_events", parentColumn: "case_id", orderColumn: "at", parentOf: (r) => r.caseId, orderOf: (r) => r.at }),
    updatesCount: new DataLoader((caseIds) => countByParent(dataSource, CaseUpdateEntity, "caseId", caseIds)),
  };
}
