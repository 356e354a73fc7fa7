import "reflect-metadata";
import type { DataSource } from "typeorm";
import { createDataSource } from "../kit/database.js";
import { buildFederatedSchema } from "../kit/federated-schema.js";
import { IdempotencyReceipt } from "../kit/idempotency.js";
import { createLogger, type Logger } from "../kit/logger.js";
import { createSubgraphServer, type SubgraphServer } from "../kit/subgraph-server.js";
import { AttachmentFactsResolver } from "./attachment-facts/attachment-facts.resolver.js";
import { AttachmentEntity } from "./attachment/attachment.entity.js";
import { attachmentReferenceResolvers } from "./attachment/attachment.reference.js";
import { AttachmentResolver } from "./attachment/attachment.resolver.js";
import { downloadRoute } from "./attachment/download.route.js";
import { multipartUploads } from "./attachment/multipart.js";
import { MyStagedAttachmentsResolver } from "./attachment/my-staged.resolver.js";
import { StagedReservationEntity } from "./attachment/staged-reservation.entity.js";
import { StagedAttachmentResolver } from "./attachment/staged.resolver.js";
import { UploadResolver } from "./attachment/upload.resolver.js";
import type { BlobStore } from "./blob-store/blob-store.js";
import { createBlobStore } from "./blob-store/create-blob-store.js";
import { type AttachmentsContext, createAttachmentsLoaders } from "./attachments.context.js";
import { type AttachmentsServices, createAttachmentsServices } from "./attachments.services.js";
import { CaseUpdateAttachmentsResolver } from "./case-update/case-update.resolver.js";
import { CaseRef } from "./case/case.js";
import { CaseAttachmentsResolver } from "./case/case.resolver.js";
import { CaseUpdateRef } from "./case-update/case-update.js";
import type { AttachmentsConfig } from "./config.js";
import { StagingLockEntity } from "./staging-quota/staging-lock.entity.js";
import { attachmentsMigrations } from "./migrations/index.js";

export const ATTACHMENTS_SUBGRAPH = "attachments";
export const attachmentsEntities = [AttachmentEntity, StagingLockEntity, StagedReservationEntity, IdempotencyReceipt];

export function buildAttachmentsSchema() {
  return buildFederatedSchema(
    {
      resolvers: [AttachmentResolver, CaseAttachmentsResolver, CaseUpdateAttachmentsResolver, AttachmentFactsResolver, UploadResolver, StagedAttachmentResolver, MyStagedAttachmentsResolver],
      orphanedTypes: [AttachmentEntity, CaseRef, CaseUpdateRef],
    },
    attachmentReferenceResolvers,
    { subgraphQueries: ["attachmentFacts"] },
  );
}

export interface AttachmentsSubgraph {
  server: SubgraphServer;
  logger: Logger;
  dataSource: DataSource;
  services: AttachmentsServices;
  stop(): Promise<void>;
}

export interface AttachmentsSubgraphOptions {
  onQuery?: (sql: string) => void;
  /** Time of uploads and of the staged-file expiry (tests move it). */
  clock?: () => Date;
  /** Replaces the configured blob store (tests). */
  blobs?: BlobStore;
}

export async function createAttachmentsSubgraph(config: AttachmentsConfig, options: AttachmentsSubgraphOptions = {}): Promise<AttachmentsSubgraph> {
  const logger = createLogger(ATTACHMENTS_SUBGRAPH, config.logLevel);
  const dataSource = createDataSource({
    url: config.databaseUrl,
    replicaUrls: config.databaseReplicaUrls,
    sqlitePath: config.sqlitePath,
    entities: attachmentsEntities,
    migrations: attachmentsMigrations,
    onQuery: options.onQuery,
  });
  await dataSource.initialize();
  const services = createAttachmentsServices({ dataSource, config, blobs: options.blobs ?? createBlobStore(config), clock: options.clock ?? (() => new Date()) });
  const server = await createSubgraphServer<AttachmentsContext>({
    name: ATTACHMENTS_SUBGRAPH,
    schema: await buildAttachmentsSchema(),
    dataSource,
    identityPublicKey: config.identityPublicKey,
    logger,
    beforeGraphQL: [multipartUploads(config.maxFilesPerUpload)],
    routes: (app, authenticate) => app.get("/files/:id", authenticate, downloadRoute(services)),
    buildContext: (base) => ({ ...base, services, loaders: createAttachmentsLoaders(services, base.principal, base.identityToken) }),
  });
  return {
    server,
    logger,
    dataSource,
    services,
    async stop() {
      await server.stop();
      await dataSource.destroy();
    },
  };
}
