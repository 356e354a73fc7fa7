import "reflect-metadata";
import type { DataSource } from "typeorm";
import { createDataSource } from "../kit/database.js";
import { buildFederatedSchema } from "../kit/federated-schema.js";
import { createLogger } from "../kit/logger.js";
import { createSubgraphServer, type SubgraphServer } from "../kit/subgraph-server.js";
import { AttachmentFactsResolver } from "./attachment-facts/attachment-facts.resolver.js";
import { AttachmentEntity } from "./attachment/attachment.entity.js";
import { attachmentReferenceResolvers } from "./attachment/attachment.reference.js";
import { AttachmentResolver } from "./attachment/attachment.resolver.js";
import { type AttachmentsContext, type AttachmentsServices, createAttachmentsLoaders } from "./attachments.context.js";
import { CaseUpdateAttachmentsResolver } from "./case-update/case-update.resolver.js";
import { CaseRef } from "./case/case.js";
import { CaseAttachmentsResolver } from "./case/case.resolver.js";
import { CaseUpdateRef } from "./case-update/case-update.js";
import type { AttachmentsConfig } from "./config.js";
import { attachmentsMigrations } from "./migrations/index.js";

export const ATTACHMENTS_SUBGRAPH = "attachments";
export const attachmentsEntities = [AttachmentEntity];

export function buildAttachmentsSchema() {
  return buildFederatedSchema(
    { resolvers: [AttachmentResolver, CaseAttachmentsResolver, CaseUpdateAttachmentsResolver, AttachmentFactsResolver], orphanedTypes: [AttachmentEntity, CaseRef, CaseUpdateRef] },
    attachmentReferenceResolvers,
  );
}

export interface AttachmentsSubgraph {
  server: SubgraphServer;
  dataSource: DataSource;
  services: AttachmentsServices;
  stop(): Promise<void>;
}

export async function createAttachmentsSubgraph(config: AttachmentsConfig, options: { onQuery?: (sql: string) => void } = {}): Promise<AttachmentsSubgraph> {
  const logger = createLogger(ATTACHMENTS_SUBGRAPH, config.logLevel);
  const dataSource = createDataSource({
    url: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    entities: attachmentsEntities,
    migrations: attachmentsMigrations,
    onQuery: options.onQuery,
  });
  await dataSource.initialize();
  const services: AttachmentsServices = { dataSource, config };
  const server = await createSubgraphServer<AttachmentsContext>({
    name: ATTACHMENTS_SUBGRAPH,
    schema: await buildAttachmentsSchema(),
    dataSource,
    identitySecret: config.identitySecret,
    logger,
    buildContext: (base) => ({ ...base, services, loaders: createAttachmentsLoaders(services, base.principal) }),
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
