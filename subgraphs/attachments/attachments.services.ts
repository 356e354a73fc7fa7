import type { DataSource } from "typeorm";
import { StagedAttachmentService } from "./attachment/staged.service.js";
import { AttachmentUploadService } from "./attachment/upload.service.js";
import type { BlobStore } from "./blob-store/blob-store.js";
import type { AttachmentsConfig } from "./config.js";

/** What the attachments subgraph's services are built from; no service is part of it. */
export interface AttachmentsInfrastructure {
  dataSource: DataSource;
  config: AttachmentsConfig;
  blobs: BlobStore;
  /** Time of uploads, reservations and the staged-file expiry (tests move it). */
  clock: () => Date;
}

/**
 * The subgraph's services next to its infrastructure, for resolvers and routes. Each service is
 * given only the infrastructure it uses and never this bag, so services do not depend on each other
 * or on the request context.
 */
export interface AttachmentsServices extends AttachmentsInfrastructure {
  uploads: AttachmentUploadService;
  staged: StagedAttachmentService;
}

/** Builds every service of the subgraph over `infrastructure`. */
export function createAttachmentsServices(infrastructure: AttachmentsInfrastructure): AttachmentsServices {
  return {
    ...infrastructure,
    uploads: new AttachmentUploadService(infrastructure),
    staged: new StagedAttachmentService(infrastructure),
  };
}
