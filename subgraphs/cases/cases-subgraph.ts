import "reflect-metadata";
import type { DataSource } from "typeorm";
import { createDataSource } from "../kit/database.js";
import { buildFederatedSchema } from "../kit/federated-schema.js";
import { createLogger } from "../kit/logger.js";
import { createSubgraphServer, type SubgraphServer } from "../kit/subgraph-server.js";
import { OutboxMonitor } from "../kit/telemetry/outbox-monitor.js";
import { type ReservationFaults, ReservationCoordinator } from "./attachment-reservation/attachment-reservation.coordinator.js";
import { ReservationRelayResolver } from "./attachment-reservation/attachment-reservation.resolver.js";
import { ReservationStore } from "./attachment-reservation/attachment-reservation.store.js";
import { CaseActivityResolver } from "./case-activity/case-activity.resolver.js";
import { CaseActivityService } from "./case-activity/case-activity.service.js";
import { CaseAccessResolver } from "./case-access/case-access.resolver.js";
import { CaseFeedReader } from "./case-feed/case-feed.reader.js";
import { CaseFeedResolver } from "./case-feed/case-feed.resolver.js";
import { CaseFeedWriter, ensureFeedHead } from "./case-feed/case-feed.writer.js";
import { type AttachmentLinker, HttpAttachmentLinker, noAttachments } from "./case/attachment-linker.js";
import { recountCases } from "./case/case.counts.js";
import { caseReferenceResolvers } from "./case/case.reference.js";
import { CaseConnectionResolver, CaseResolver, CaseUpdateConnectionResolver } from "./case/case.resolver.js";
import { type Clock, CaseService } from "./case/case.service.js";
import { type CasesContext, type CasesServices, createCasesLoaders } from "./cases.context.js";
import { casesEntities } from "./cases.entities.js";
import { casesOutboxes } from "./cases.outboxes.js";
import type { CasesConfig } from "./config.js";
import { ensureReferenceData } from "./demo/reference-data.js";
import { casesMigrations } from "./migrations/index.js";
import { OrganizationUserResolver } from "./organization/organization-user.resolver.js";
import { mapFreeTextProblemCategories } from "./problem-category/problem-category.backfill.js";
import { ProblemCategoryResolver } from "./problem-category/problem-category.resolver.js";
import { ProductProfileResolver } from "./product-profile/product-profile.resolver.js";
import { vocabularyReferenceResolvers } from "./vocabulary/vocabulary.reference.js";
import { VocabularyResolver } from "./vocabulary/vocabulary.resolver.js";
import { CaseResponseTargetResolver } from "./response-target/response-target.resolver.js";
import { CaseResponseTargets } from "./response-target/response-target.service.js";
import { webhookFollower } from "./webhook/webhook.follower.js";
import { WebhookResolver } from "./webhook/webhook.resolver.js";
import { WebhookService } from "./webhook/webhook.service.js";
import { CaseSearchIndex } from "./search/search-index.js";
import { prepareSearchPlan } from "./search/search-plan.js";
import { CaseEdgeSearchResolver } from "./search/search.resolver.js";

export const CASES_SUBGRAPH = "cases";

/** The schema alone, for `npm run schema` and composition tests. */
export function buildCasesSchema() {
  return buildFederatedSchema(
    {
      resolvers: [
        CaseResolver,
        CaseConnectionResolver,
        CaseEdgeSearchResolver,
        CaseUpdateConnectionResolver,
        ProductProfileResolver,
        CaseAccessResolver,
        ReservationRelayResolver,
        CaseActivityResolver,
        CaseFeedResolver,
        CaseResponseTargetResolver,
        VocabularyResolver,
        ProblemCategoryResolver,
        OrganizationUserResolver,
        WebhookResolver,
      ],
    },
    { ...caseReferenceResolvers, ...vocabularyReferenceResolvers },
    {
      // caseFeedSince: the gateway's subscriptions read it as the relay principal (no cases:read; the resolver admits the relay alone).
      subgraphQueries: ["caseAccess", "caseFeedSince"],
    },
  );
}

export interface CasesSubgraph {
  server: SubgraphServer;
  dataSource: DataSource;
  services: CasesServices;
  stop(): Promise<void>;
}

export interface CasesSubgraphOptions {
  clock?: Clock;
  attachments?: AttachmentLinker;
  /** Called with every SQL statement (statement-count tests). */
  onQuery?: (sql: string) => void;
  /** Tests only: runs between the steps of attaching files, where a test simulates a crash or a failure. */
  faults?: ReservationFaults;
}

/** Builds the cases subgraph without listening: connects and migrates its database, loads reference data. */
export async function createCasesSubgraph(config: CasesConfig, options: CasesSubgraphOptions = {}): Promise<CasesSubgraph> {
  const logger = createLogger(CASES_SUBGRAPH, config.logLevel);
  const dataSource = createDataSource({
    url: config.databaseUrl,
    replicaUrls: config.databaseReplicaUrls,
    sqlitePath: config.sqlitePath,
    entities: casesEntities,
    migrations: casesMigrations,
    onQuery: options.onQuery,
  });
  await dataSource.initialize();
  // MySQL maps free-text problem categories in a migration; the synchronized SQLite default does it here (a no-op once done).
  if (!config.databaseUrl) await mapFreeTextProblemCategories(dataSource.manager);
  // MySQL filled the cases' counts in the migration that made their table; the SQLite default counts again at every start.
  if (!config.databaseUrl) await recountCases(dataSource);
  // The demo organizations and products: development and tests, never production.
  if (config.environment !== "production") await ensureReferenceData(dataSource);
  await ensureFeedHead(dataSource);
  const clock = options.clock ?? (() => new Date());
  // Webhooks follow the feed: each command's transaction also writes the deliveries of its events.
  const feedWriter = new CaseFeedWriter([webhookFollower({ clock, retryHours: config.webhooks.retryHours })]);
  const reservations = new ReservationStore(dataSource, clock, { pendingTimeoutMs: config.reservations.pendingTimeoutSeconds * 1000, leaseMs: config.reservations.leaseSeconds * 1000 });
  const linker = options.attachments ?? (config.attachmentsUrl ? new HttpAttachmentLinker(config.attachmentsUrl) : noAttachments);
  const coordinator = new ReservationCoordinator(dataSource, reservations, linker, logger, options.faults);
  const searchIndex = new CaseSearchIndex(dataSource, clock);
  const searchPlan = await prepareSearchPlan(dataSource, logger);
  const services: CasesServices = {
    dataSource,
    cases: new CaseService(dataSource, clock, coordinator, feedWriter, searchIndex),
    reservations,
    caseActivity: new CaseActivityService(dataSource, clock, feedWriter, searchIndex),
    responseTargets: new CaseResponseTargets(config.responseTargets, clock),
    feed: new CaseFeedReader(dataSource),
    feedWriter,
    webhooks: new WebhookService(dataSource, {
      clock,
      retryHours: config.webhooks.retryHours,
      secretOverlapHours: config.webhooks.secretOverlapHours,
      addressPolicy: { allowedAddresses: config.webhooks.allowedAddresses },
      logger: createLogger("cases-webhooks", config.logLevel),
    }),
    search: { plan: searchPlan, index: searchIndex },
  };
  // Cases from before search (or loaded in bulk) get their documents in the background; a search meanwhile misses them.
  void searchIndex
    .backfill(500, (done) => logger.info({ done }, "case search: indexed cases that had no search document"))
    .catch((error: unknown) => logger.error({ err: error }, "case search: indexing cases without a document failed; restart to retry"));
  const server = await createSubgraphServer<CasesContext>({
    name: CASES_SUBGRAPH,
    schema: await buildCasesSchema(),
    dataSource,
    identityPublicKey: config.identityPublicKey,
    logger,
    outboxes: new OutboxMonitor(dataSource, casesOutboxes, { clock, thresholds: config.outboxThresholds }),
    buildContext: (base) => ({ ...base, services, loaders: createCasesLoaders(services, base.principal) }),
  });
  return {
    server,
    dataSource,
    services,
    async stop() {
      await server.stop();
      await dataSource.destroy();
    },
  };
}
