import "reflect-metadata";
import type { DataSource } from "typeorm";
import { type Clock, systemClock } from "../kit/clock.js";
import { createDataSource } from "../kit/database.js";
import { buildFederatedSchema } from "../kit/federated-schema.js";
import { createLogger } from "../kit/logger.js";
import { createSubgraphServer, type SubgraphServer } from "../kit/subgraph-server.js";
import { AnalysisRequestEntity } from "./analysis-request/analysis-request.entity.js";
import { AnalysisRequestService } from "./analysis-request/analysis-request.service.js";
import { AttkCollectionEntity } from "./attk-collection/attk-collection.entity.js";
import { AttkCollectionResolver } from "./attk-collection/attk-collection.resolver.js";
import { CaseRef } from "./case/case.js";
import type { ThreatsConfig } from "./config.js";
import { EmailAnalysisEntity } from "./email-analysis/email-analysis.entity.js";
import { EmailAnalysisResolver } from "./email-analysis/email-analysis.resolver.js";
import { FileAnalysisEntity } from "./file-analysis/file-analysis.entity.js";
import { FileAnalysisResolver } from "./file-analysis/file-analysis.resolver.js";
import { threatsMigrations } from "./migrations/index.js";
import { threatReferenceResolvers } from "./threat-analysis/threat-analysis.reference.js";
import { CaseThreatAnalysisResolver, ThreatAnalysisResolver } from "./threat-analysis/threat-analysis.resolver.js";
import { ThreatAnalysisService } from "./threat-analysis/threat-analysis.service.js";
import { createThreatsLoaders, type ThreatsContext, type ThreatsServices } from "./threats.context.js";
import { UrlAnalysisEntity } from "./url-analysis/url-analysis.entity.js";
import { UrlAnalysisResolver } from "./url-analysis/url-analysis.resolver.js";

export const THREATS_SUBGRAPH = "threat-analysis";
export const threatsEntities = [FileAnalysisEntity, UrlAnalysisEntity, EmailAnalysisEntity, AttkCollectionEntity, AnalysisRequestEntity];

export function buildThreatsSchema() {
  return buildFederatedSchema(
    {
      resolvers: [CaseThreatAnalysisResolver, ThreatAnalysisResolver, FileAnalysisResolver, UrlAnalysisResolver, EmailAnalysisResolver, AttkCollectionResolver],
      orphanedTypes: [CaseRef, FileAnalysisEntity, UrlAnalysisEntity, EmailAnalysisEntity, AttkCollectionEntity],
    },
    threatReferenceResolvers,
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
    sqlitePath: config.sqlitePath,
    entities: threatsEntities,
    migrations: threatsMigrations,
    onQuery: options.onQuery,
  });
  await dataSource.initialize();
  const clock = options.clock ?? systemClock;
  const services: ThreatsServices = {
    analysis: new ThreatAnalysisService(dataSource, clock),
    requests: new AnalysisRequestService(dataSource, clock),
  };
  const loaderSources = { dataSource, casesUrl: config.casesUrl, attachmentsUrl: config.attachmentsUrl };
  const server = await createSubgraphServer<ThreatsContext>({
    name: THREATS_SUBGRAPH,
    schema: await buildThreatsSchema(),
    dataSource,
    identityPublicKey: config.identityPublicKey,
    logger,
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
