import "reflect-metadata";
import { defineDeletingOutbox, OutboxMonitor } from "../kit/telemetry/outbox-monitor.js";
import type { DataSource } from "typeorm";
import { type Clock, systemClock } from "../kit/clock.js";
import { createDataSource } from "../kit/database.js";
import { IdempotencyReceipt } from "../kit/idempotency.js";
import { buildFederatedSchema } from "../kit/federated-schema.js";
import { createLogger } from "../kit/logger.js";
import { createSubgraphServer, type SubgraphServer } from "../kit/subgraph-server.js";
import { AnalysisRequestEntity } from "./analysis-request/analysis-request.entity.js";
import { AnalysisRequestService } from "./analysis-request/analysis-request.service.js";
import { AnalysisRequestLifecycle } from "./analysis-request/analysis-request-lifecycle.service.js";
import { AnalysisRequestPayloadResolver, AnalysisRequestResolver } from "./analysis-request/analysis-request.resolver.js";
import { AttkCollectionEntity } from "./attk-collection/attk-collection.entity.js";
import { AttkCollectionResolver } from "./attk-collection/attk-collection.resolver.js";
import { CaseActivityOutboxEntity } from "./case-activity/case-activity-outbox.entity.js";
import { CaseActivityOutbox } from "./case-activity/case-activity.outbox.js";
import { CaseActivityRelayResolver } from "./case-activity/case-activity.resolver.js";
import { CaseRef } from "./case/case.js";
import type { ThreatsConfig } from "./config.js";
import { EmailAnalysisEntity } from "./email-analysis/email-analysis.entity.js";
import { EmailAnalysisResolver } from "./email-analysis/email-analysis.resolver.js";
import { EmailAnalysisService } from "./email-analysis/email-analysis.service.js";
import { FileAnalysisEntity } from "./file-analysis/file-analysis.entity.js";
import { FileAnalysisResolver } from "./file-analysis/file-analysis.resolver.js";
import { FileVerdictEntity } from "./file-analysis/file-verdict.entity.js";
import { threatsMigrations } from "./migrations/index.js";
import { AnalysisRequestConnectionResolver, RequestQueueResolver } from "./request-queue/request-queue.resolver.js";
import { RequestQueue } from "./request-queue/request-queue.service.js";
import { threatReferenceResolvers } from "./threat-analysis/threat-analysis.reference.js";
import { CaseThreatAnalysisResolver, ThreatAnalysisResolver, ThreatAnalysisResultsResolver } from "./threat-analysis/threat-analysis.resolver.js";
import { ThreatAnalysisService } from "./threat-analysis/threat-analysis.service.js";
import { createThreatsLoaders, type ThreatsContext, type ThreatsServices } from "./threats.context.js";
import { UrlAnalysisEntity } from "./url-analysis/url-analysis.entity.js";
import { UrlAnalysisResolver } from "./url-analysis/url-analysis.resolver.js";
import { VocabularyRef } from "./vocabulary/vocabulary.js";
import { threatVocabularyReferenceResolvers } from "./vocabulary/vocabulary.reference.js";
import { ThreatVocabularyResolver } from "./vocabulary/vocabulary.resolver.js";

export const THREATS_SUBGRAPH = "threat-analysis";
export const threatsEntities = [FileAnalysisEntity, UrlAnalysisEntity, EmailAnalysisEntity, AttkCollectionEntity, AnalysisRequestEntity, CaseActivityOutboxEntity, FileVerdictEntity, IdempotencyReceipt];

export function buildThreatsSchema() {
  return buildFederatedSchema(
    {
      resolvers: [
        CaseThreatAnalysisResolver,
        ThreatAnalysisResultsResolver,
        ThreatAnalysisResolver,
        FileAnalysisResolver,
        UrlAnalysisResolver,
        EmailAnalysisResolver,
        AttkCollectionResolver,
        CaseActivityRelayResolver,
        AnalysisRequestResolver,
        AnalysisRequestPayloadResolver,
        RequestQueueResolver,
        AnalysisRequestConnectionResolver,
        ThreatVocabularyResolver,
      ],
      orphanedTypes: [CaseRef, FileAnalysisEntity, UrlAnalysisEntity, EmailAnalysisEntity, AttkCollectionEntity, VocabularyRef],
    },
    { ...threatReferenceResolvers, ...threatVocabularyReferenceResolvers },
  );
}

export interface ThreatsSubgraph {
  server: SubgraphServer;
  dataSource: DataSource;
  services: ThreatsServices;
  stop(): Promise<void>;
}

export async function createThreatsSubgraph(config: ThreatsConfig, options: { onQuery?: (sql: string) => void; clock?: Clock } = {}): Promise<ThreatsSubgraph> {
  const logger = createLogger(THREATS_SUBGRAPH, config.logLevel);
  const dataSource = createDataSource({
    url: config.databaseUrl,
    replicaUrls: config.databaseReplicaUrls,
    sqlitePath: config.sqlitePath,
    entities: threatsEntities,
    migrations: threatsMigrations,
    onQuery: options.onQuery,
  });
  await dataSource.initialize();
  const clock = options.clock ?? systemClock;
  const analysis = new ThreatAnalysisService(dataSource, clock);
  const services: ThreatsServices = {
    analysis,
    requests: new AnalysisRequestService(dataSource, clock),
    requestLifecycle: new AnalysisRequestLifecycle(dataSource, clock),
    caseActivity: new CaseActivityOutbox(dataSource, clock),
    queue: new RequestQueue(dataSource, config.responseTargets, clock),
    emails: new EmailAnalysisService(dataSource, analysis, clock),
  };
  const loaderSources = { dataSource, casesUrl: config.casesUrl, attachmentsUrl: config.attachmentsUrl };
  const server = await createSubgraphServer<ThreatsContext>({
    name: THREATS_SUBGRAPH,
    schema: await buildThreatsSchema(),
    dataSource,
    identityPublicKey: config.identityPublicKey,
    logger,
    // Case activity not yet delivered to the cases subgraph (a delivered row is deleted, so every row waits).
    outboxes: new OutboxMonitor(dataSource, [defineDeletingOutbox({ name: "case_activity_outbox", entity: CaseActivityOutboxEntity, created: "occurredAt" })], {
      clock,
      thresholds: config.outboxThresholds,
    }),
    buildContext: (base) => ({ ...base, services, loaders: createThreatsLoaders(loaderSources, base.principal, base.identityToken) }),
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
