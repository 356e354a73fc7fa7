import { createHash, randomUUID } from "node:crypto";
import { Transform } from "node:stream";
import type DataLoader from "dataloader";
import type { FileUpload } from "graphql-upload-minimal";
import { type DataSource, In } from "typeorm";
import { actorOf } from "../../kit/actor.js";
import { recordAnswer } from "../../kit/idempotency.js";
import type { CaseAccess } from "../../kit/case-access-client.js";
import { badInput, domainError, ErrorCode, forbidden, notFound } from "../../kit/errors.js";
import { canSeeOrganization, hasScope, type Principal } from "../../kit/principal.js";
import { inTransaction } from "../../kit/transaction.js";
import { withSpan } from "../../kit/telemetry/tracing.js";
import type { BlobStore } from "../blob-store/blob-store.js";
import type { AttachmentsConfig } from "../config.js";
import { StagingQuota } from "../staging-quota/staging-quota.service.js";
import { AttachmentEntity, AttachmentState } from "./attachment.entity.js";
import { type ArchiveVerdict, EncryptedZipInspector } from "./encrypted-zip.js";
import type { UploadAttachmentsInput } from "./upload.input.js";
import { UploadSlots } from "./upload-slots.js";

/**
 * How the ZIP rule of threat cases applies to an upload's files:
 * - `required`: a threat case; every file must be a ZIP encrypted with `virus`, and an archive the
 *   inspection refuses (over a limit, inconsistent, crashing or stalling the parser) is refused.
 * - `recorded`: no case yet; `createCase` may attach the files to a threat case, and it checks the
 *   recorded answer (`encryptedZip`). They are inspected within the same bounds, but the upload is
 *   not refused for the answer: the case may be a product case. A file the inspection refuses is
 *   recorded as not an encrypted ZIP, so a threat case refuses it at registration.
 * - `skipped`: a product case. Its type never changes and its files join no other case, so no rule
 *   reads the answer and the archive is never parsed.
 */
type ZipCheck = "required" | "recorded" | "skipped";

/** Where an upload goes: a case, or (before the case exists) an organization. */
interface UploadTarget {
  caseId: string | null;
  organizationId: string;
  zipCheck: ZipCheck;
}

/** What is left of the organization's staging quota while an upload streams in. */
interface QuotaBudget {
  remainingBytes: number;
  exceeded: () => Error;
}

/** A file whose bytes are in a temporary blob, with what was measured while they streamed in. */
interface TempFile {
  tempKey: string;
  fileName: string;
  contentType: string;
  size: number;
  sha1: string;
  sha256: string;
  /** Set once the ZIP rule has looked at the file. */
  encryptedZip: boolean;
  /** The file entries of an encrypted archive, when the ZIP rule inspected it (see `AttachmentEntity.entryNames`). */
  entryNames: string[] | null;
}

const MIME_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,63}\/[A-Za-z0-9][\w!#$&^.+-]{0,62}$/;

/**
 * Characters a name must not carry: controls (C0, DEL, C1), line and paragraph separators, and the
 * bidirectional overrides and isolates that make `invoice\u202Efdp.exe` display as `invoiceexe.pdf`.
 */
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The name a client gave, without folders, control or bidi-override characters, at most 255 characters. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  const clean = [...base.replace(UNSAFE_IN_NAMES, "").trim()].slice(0, 255).join("");
  return clean && clean !== "." && clean !== ".." ? clean : "file";
}

function tooLarge(fileName: string, maxBytes: number) {
  return domainError(ErrorCode.FILE_TOO_LARGE, `${fileName} is larger than ${maxBytes} bytes`, { field: "files", maxBytes });
}

function encryptedZipRequired(fileName: string) {
  return domainError(ErrorCode.ENCRYPTED_ZIP_REQUIRED, `${fileName}: files of threat cases must be ZIP archives encrypted with the password "virus"`, { field: "files" });
}

/** An archive the bounded inspection refused: BAD_USER_INPUT naming the file, with the reason for programs. */
function archiveRefused(fileName: string, verdict: Extract<ArchiveVerdict, { kind: "refused" }>) {
  return domainError(ErrorCode.BAD_USER_INPUT, `${fileName} was refused: ${verdict.detail}`, { field: "files", reason: verdict.reason, fileName });
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
export function drainUnread(files: Promise<FileUpload>[]): void {
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

/** What the upload service uses: the database, the subgraph's limits, the blob store and the time. */
export interface UploadDependencies {
  dataSource: DataSource;
  config: AttachmentsConfig;
  blobs: BlobStore;
  clock: () => Date;
}

/**
 * Uploads stream through SHA-1 and SHA-256 into temporary blobs and become STAGED files only if
 * every file passed: the per-upload file limits, the ZIP rule of threat cases, the organization's
 * staging quota, and at most a few uploads in flight per caller.
 */
export class AttachmentUploadService {
  /** The bounded ZIP check (its worker pool is per service). */
  readonly archives: EncryptedZipInspector;
  readonly slots: UploadSlots;
  readonly quota: StagingQuota;

  constructor(private readonly services: UploadDependencies) {
    const { config, dataSource } = services;
    this.archives = new EncryptedZipInspector(config.archiveInspection);
    this.slots = new UploadSlots(config.maxConcurrentUploadsPerPrincipal);
    this.quota = new StagingQuota(dataSource, config.stagedQuotaBytesPerOrganization);
  }

  async uploadAttachments(principal: Principal, input: UploadAttachmentsInput, caseAccess: DataLoader<string, CaseAccess | null>): Promise<AttachmentEntity[]> {
    const files = input.files ?? [];
    const { config, blobs } = this.services;
    let releaseSlot: (() => void) | undefined;
    try {
      if (!hasScope(principal, "attachments:write")) throw forbidden("Uploading files needs the attachments:write scope");
      if (files.length === 0) throw badInput("files", "Send at least one file");
      if (files.length > config.maxFilesPerUpload) {
        throw domainError(ErrorCode.TOO_MANY_FILES, `At most ${config.maxFilesPerUpload} files per upload`, { field: "files", max: config.maxFilesPerUpload });
      }
      releaseSlot = this.slots.acquire(principal);
      const target = await this.target(principal, input, caseAccess);
      const budget: QuotaBudget = { remainingBytes: await this.quota.remaining(target.organizationId), exceeded: () => this.quota.exceeded(target.organizationId) };
      // Refused before a byte is stored; the stream below stops at the budget, the staging transaction checks again.
      if (budget.remainingBytes <= 0) throw budget.exceeded();
      const stored: TempFile[] = [];
      try {
        for (const pending of files) {
          const file = await Promise.resolve(pending).catch((error: unknown) => {
            throw uploadError(error);
          });
          const temp = await withSpan(
            "attachments.store_file",
            {},
            () => this.storeTemp(file, budget),
            (stored) => ({ "casegraph.file.size": stored.size }),
          );
          stored.push(temp);
          temp.encryptedZip = await this.checkZip(target, temp);
        }
        return await this.stage(principal, target, stored);
      } catch (error) {
        await Promise.allSettled(stored.map((file) => blobs.delete(file.tempKey)));
        throw error;
      }
    } finally {
      releaseSlot?.();
      drainUnread(files);
    }
  }

  /**
   * The answer to a retry of an upload that committed (its key's receipt names the files): those files as
   * they are now, in the order they were sent (the retry's own file parts go unused).
   */
  async uploaded(attachmentIds: string): Promise<AttachmentEntity[]> {
    const ids = attachmentIds.split(",");
    // On the primary, where the receipt was read: a replica behind it may not have the rows yet.
    const rows = await inTransaction(this.services.dataSource, (tx) => tx.findBy(AttachmentEntity, { id: In(ids) }));
    return ids.flatMap((id) => rows.find((row) => row.id === id) ?? []);
  }

  /** Applies the ZIP rule to a stored file (see `ZipCheck`); returns what to record as `encryptedZip`. */
  private async checkZip(target: UploadTarget, file: TempFile): Promise<boolean> {
    if (target.zipCheck === "skipped") return false;
    const verdict = await this.archives.inspect(this.services.blobs, file.tempKey, file.size);
    if (verdict.kind === "encrypted") file.entryNames = verdict.entryNames;
    if (target.zipCheck === "recorded") return verdict.kind === "encrypted";
    if (verdict.kind === "refused") throw archiveRefused(file.fileName, verdict);
    if (verdict.kind !== "encrypted") throw encryptedZipRequired(file.fileName);
    return true;
  }

  private async target(principal: Principal, input: UploadAttachmentsInput, caseAccess: DataLoader<string, CaseAccess | null>): Promise<UploadTarget> {
    if (input.caseId && input.organizationId) throw badInput("organizationId", "Give caseId or organizationId, not both");
    if (input.caseId) {
      const access = await caseAccess.load(input.caseId);
      if (!access) throw notFound("Case", input.caseId);
      // A closed case takes files too: staged, they join it only with an update, and a closed case takes only a reopening one.
      return { caseId: access.id, organizationId: access.organizationId, zipCheck: access.inquiryType === "THREAT" ? "required" : "skipped" };
    }
    if (input.organizationId) {
      if (!canSeeOrganization(principal, input.organizationId)) throw notFound("Organization", input.organizationId);
      return { caseId: null, organizationId: input.organizationId, zipCheck: "recorded" };
    }
    throw badInput("caseId", "caseId is required (or organizationId for a case that is not registered yet)");
  }

  /**
   * Streams one file into a temporary blob, hashing and counting on the way; over the file size limit
   * or the quota budget, it stops storing but keeps reading the request.
   */
  private async storeTemp(file: FileUpload, budget: QuotaBudget): Promise<TempFile> {
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
        budget.remainingBytes -= chunk.length;
        if (budget.remainingBytes < 0) return done(budget.exceeded());
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
        encryptedZip: false,
        entryNames: null,
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
        reservationId: null,
        encryptedZip: file.encryptedZip,
        entryNames: file.entryNames,
        blobKey: id,
      });
    });
    const committed: string[] = [];
    try {
      const bytes = files.reduce((sum, file) => sum + file.size, 0);
      await inTransaction(dataSource, async (tx) => {
        await this.quota.reserve(tx, target.organizationId, bytes, now);
        // Copies: after a multi-row insert TypeORM reads back the columns with defaults and merges them into
        // the entities it was given in primary-key order, not insertion order, which would give a file another's id.
        await tx.insert(
          AttachmentEntity,
          rows.map((row) => ({ ...row })),
        );
        // The caller's Idempotency-Key, if any, now answers with these files (kit/idempotency.ts).
        await recordAnswer(tx, { attachmentIds: rows.map((row) => row.id).join(",") });
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
