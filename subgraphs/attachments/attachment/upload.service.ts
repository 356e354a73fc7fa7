import { createHash, randomUUID } from "node:crypto";
import { Transform } from "node:stream";
import type DataLoader from "dataloader";
import type { FileUpload } from "graphql-upload-minimal";
import { actorOf } from "../../kit/actor.js";
import type { CaseAccess } from "../../kit/case-access-client.js";
import { badInput, domainError, ErrorCode, forbidden, notFound } from "../../kit/errors.js";
import { canSeeOrganization, hasScope, type Principal } from "../../kit/principal.js";
import { inTransaction } from "../../kit/transaction.js";
import type { AttachmentsServices } from "../attachments.context.js";
import { AttachmentEntity, AttachmentState } from "./attachment.entity.js";
import { isVirusEncryptedZip } from "./encrypted-zip.js";
import type { UploadAttachmentsInput } from "./upload.input.js";

/** Where an upload goes: a case, or (before the case exists) an organization. */
interface UploadTarget {
  caseId: string | null;
  organizationId: string;
  threat: boolean;
}

/** A file whose bytes are in a temporary blob, with what was measured while they streamed in. */
interface TempFile {
  tempKey: string;
  fileName: string;
  contentType: string;
  size: number;
  sha1: string;
  sha256: string;
  encryptedZip: boolean;
}

const MIME_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,63}\/[A-Za-z0-9][\w!#$&^.+-]{0,62}$/;

/** The name a client gave, without folders or control characters, at most 255 characters. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  // eslint-disable-next-line no-control-regex
  const clean = [...base.replace(/[\u0000-\u001f\u007f]/g, "").trim()].slice(0, 255).join("");
  return clean && clean !== "." && clean !== ".." ? clean : "file";
}

function tooLarge(fileName: string, maxBytes: number) {
  return domainError(ErrorCode.FILE_TOO_LARGE, `${fileName} is larger than ${maxBytes} bytes`, { field: "files", maxBytes });
}

/** graphql-upload reports a broken or truncated request as an HTTP error; to a client it is bad input. */
function uploadError(error: unknown): unknown {
  const status = (error as { status?: unknown })?.status;
  return typeof status === "number" ? badInput("files", (error as Error).message) : error;
}

/**
 * Reads every upload stream this request did not read, so that the multipart parser reaches the end
 * of the request and the response goes out to a client that has finished sending.
 */
function drainUnread(files: Promise<FileUpload>[]): void {
  for (const pending of files) {
    Promise.resolve(pending).then(
      (file) => {
        try {
          const stream = file.createReadStream();
          stream.on("error", () => undefined);
          stream.resume();
        } catch {
          // already read, or already failed
        }
      },
      () => undefined,
    );
  }
}

/** DOMAIN.md rule 8: uploads stream through SHA-1 and SHA-256 into temporary blobs and become STAGED files only if every file passed. */
export class AttachmentUploadService {
  constructor(private readonly services: AttachmentsServices) {}

  async uploadAttachments(principal: Principal, input: UploadAttachmentsInput, caseAccess: DataLoader<string, CaseAccess | null>): Promise<AttachmentEntity[]> {
    const files = input.files ?? [];
    const { config, blobs } = this.services;
    try {
      if (!hasScope(principal, "attachments:write")) throw forbidden("Uploading files needs the attachments:write scope");
      if (files.length === 0) throw badInput("files", "Send at least one file");
      if (files.length > config.maxFilesPerUpload) {
        throw domainError(ErrorCode.TOO_MANY_FILES, `At most ${config.maxFilesPerUpload} files per upload`, { field: "files", max: config.maxFilesPerUpload });
      }
      const target = await this.target(principal, input, caseAccess);
      const stored: TempFile[] = [];
      try {
        for (const pending of files) {
          const file = await Promise.resolve(pending).catch((error: unknown) => {
            throw uploadError(error);
          });
          const temp = await this.storeTemp(file);
          stored.push(temp);
          if (target.threat && !temp.encryptedZip) {
            throw domainError(ErrorCode.ENCRYPTED_ZIP_REQUIRED, `${temp.fileName}: files of threat cases must be ZIP archives encrypted with the password "virus"`, {
              field: "files",
            });
          }
        }
        return await this.stage(principal, target, stored);
      } catch (error) {
        await Promise.allSettled(stored.map((file) => blobs.delete(file.tempKey)));
        throw error;
      }
    } finally {
      drainUnread(files);
    }
  }

  private async target(principal: Principal, input: UploadAttachmentsInput, caseAccess: DataLoader<string, CaseAccess | null>): Promise<UploadTarget> {
    if (input.caseId && input.organizationId) throw badInput("organizationId", "Give caseId or organizationId, not both");
    if (input.caseId) {
      const access = await caseAccess.load(input.caseId);
      if (!access) throw notFound("Case", input.caseId);
      if (access.status === "CLOSED") throw domainError(ErrorCode.CASE_CLOSED, "Files cannot be added to a closed case", { id: input.caseId });
      return { caseId: access.id, organizationId: access.organizationId, threat: access.inquiryType === "THREAT" };
    }
    if (input.organizationId) {
      if (!canSeeOrganization(principal, input.organizationId)) throw notFound("Organization", input.organizationId);
      return { caseId: null, organizationId: input.organizationId, threat: false };
    }
    throw badInput("caseId", "caseId is required (or organizationId for a case that is not registered yet)");
  }

  /** Streams one file into a temporary blob, hashing and counting on the way; over the limit, it stops storing but keeps reading the request. */
  private async storeTemp(file: FileUpload): Promise<TempFile> {
    const { blobs, config } = this.services;
    const fileName = cleanFileName(file.filename);
    const source = file.createReadStream();
    const sha1 = createHash("sha1");
    const sha256 = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > config.maxFileBytes) return done(tooLarge(fileName, config.maxFileBytes));
        sha1.update(chunk);
        sha256.update(chunk);
        done(null, chunk);
      },
    });
    source.on("error", (error) => meter.destroy(uploadError(error) as Error));
    meter.on("error", () => {
      source.unpipe(meter);
      source.resume();
    });
    source.pipe(meter);
    const tempKey = await blobs.putTemp(meter);
    try {
      return {
        tempKey,
        fileName,
        contentType: MIME_TYPE.test(file.mimetype ?? "") ? file.mimetype.toLowerCase() : "application/octet-stream",
        size,
        sha1: sha1.digest("hex"),
        sha256: sha256.digest("hex"),
        encryptedZip: await isVirusEncryptedZip(blobs, tempKey, size),
      };
    } catch (error) {
      await blobs.delete(tempKey);
      throw error;
    }
  }

  /** Rows and final blobs in one transaction: a failure leaves neither. */
  private async stage(principal: Principal, target: UploadTarget, files: TempFile[]): Promise<AttachmentEntity[]> {
    const { dataSource, blobs, clock } = this.services;
    const now = clock();
    const rows = files.map((file) => {
      const id = randomUUID();
      return Object.assign(new AttachmentEntity(), {
        id,
        caseId: target.caseId,
        organizationId: target.organizationId,
        caseUpdateId: null,
        fileName: file.fileName,
        size: file.size,
        contentType: file.contentType,
        sha1: file.sha1,
        sha256: file.sha256,
        uploadedAt: now,
        uploadedBy: actorOf(principal),
        state: AttachmentState.STAGED,
        encryptedZip: file.encryptedZip,
        blobKey: id,
      });
    });
    const committed: string[] = [];
    try {
      await inTransaction(dataSource, async (tx) => {
        await tx.insert(AttachmentEntity, rows);
        for (const [index, row] of rows.entries()) {
          if (committed.includes(row.blobKey)) continue;
          await blobs.commit(files[index]!.tempKey, row.blobKey);
          committed.push(row.blobKey);
        }
      });
    } catch (error) {
      await Promise.allSettled(committed.map((key) => blobs.delete(key)));
      throw error;
    }
    return rows;
  }
}
