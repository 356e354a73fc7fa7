import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager, EntityTarget } from "typeorm";
import { actorOf } from "../../kit/actor.js";
import { CaseActivityKind } from "../../kit/case-activity-protocol.js";
import { type Clock, systemClock } from "../../kit/clock.js";
import { badInput } from "../../kit/errors.js";
import type { Principal } from "../../kit/principal.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import { whereVisible } from "../../kit/visibility.js";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { activityActor, recordCaseActivity } from "../case-activity/case-activity.outbox.js";
import type { RecordAttkFileInput } from "../attk-collection/attk-collection.input.js";
import { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import type { RecordEmailVerdictInput } from "../email-analysis/email-analysis.input.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import type { RecordFileVerdictInput } from "../file-analysis/file-analysis.input.js";
import { appendVerdict } from "../file-analysis/file-verdict.js";
import { EmailVerdict, FileVerdict, UrlRating } from "../threat.enums.js";
import type { ThreatsRequest } from "../threats.request.js";
import { UrlAnalysisEntity } from "../url-analysis/url-analysis.entity.js";
import type { RecordUrlRatingInput } from "../url-analysis/url-analysis.input.js";
import { insertSubmittedAttkFiles, insertSubmittedEmails, requireAttached, submittedArchives } from "./archive-submission.js";
import { type OpenThreatCase, openThreatCase } from "./case-gate.js";
import type { SubmitForAnalysisInput } from "./threat-analysis.input.js";
import * as rules from "./threat-analysis.rules.js";
import { findVisibleResult } from "./visible-result.js";
import type { ThreatResults } from "./threat-analysis.types.js";

type Scoped = { id: string; caseId: string; organizationId: string };

/**
 * What customers submit for analysis and what engineers record about it (docs/domain.md, "Threat cases").
 * Every command checks the caller and the case first, then writes in one transaction.
 */
export class ThreatAnalysisService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The case's results as the caller may see them, read fresh (not from a request's loaders). */
  async resultsOf(principal: Principal, caseId: string): Promise<ThreatResults> {
    const list = <T extends Scoped>(entity: EntityTarget<T>) =>
      whereVisible(this.dataSource.getRepository(entity).createQueryBuilder("t"), principal, "t").andWhere("t.caseId = :caseId", { caseId }).orderBy("t.createdAt", "ASC").addOrderBy("t.id", "ASC").getMany();
    const [files, urls, emails, attk] = await Promise.all([list(FileAnalysisEntity), list(UrlAnalysisEntity), list(EmailAnalysisEntity), list(AttkCollectionEntity)]);
    return { files, urls, emails, attk };
  }

  /**
   * Uploaded files of the case become FileAnalysis rows in ANALYZING, URLs become UNRATED
   * UrlAnalysis rows, the .eml messages of e-mail archives EmailAnalysis rows in ANALYZING, and the
   * files of ATTK archives AttkCollection rows (archive-submission.ts). Submitting something the case
   * already has changes nothing for it.
   */
  async submitForAnalysis(request: ThreatsRequest, input: SubmitForAnalysisInput): Promise<ThreatResults> {
    rules.requireThreatsWrite(request.principal);
    const attachmentIds = rules.submittedAttachmentIds(input.attachmentIds ?? []);
    const urls = rules.submittedUrls(input.urls ?? []);
    const emailIds = rules.submittedAttachmentIds(input.emails ?? [], "emails");
    const attkLogIds = rules.submittedAttachmentIds(input.attkLogs ?? [], "attkLogs");
    if (attachmentIds.length + urls.length + emailIds.length + attkLogIds.length === 0) throw badInput("attachmentIds", "submit at least one file, URL, e-mail or ATTK log");
    const threatCase = await openThreatCase(request, input.caseId);
    // One call to the attachments subgraph for the three lists (the loader batches them).
    const [facts, emailArchives, attkArchives] = await Promise.all([
      request.loaders.attachmentFacts.loadMany(attachmentIds),
      submittedArchives(request, threatCase.id, emailIds, "emails"),
      submittedArchives(request, threatCase.id, attkLogIds, "attkLogs"),
    ]);
    const files = facts.map((fact, index) => {
      if (fact instanceof Error) throw fact;
      if (!fact || fact.caseId !== threatCase.id) throw badInput("attachmentIds", `attachment ${attachmentIds[index]} is not a file of this case`);
      requireAttached(fact, "attachmentIds");
      return fact;
    });

    const now = this.clock();
    await inTransaction(this.dataSource, async (tx) => {
      // Locking the case's rows serializes concurrent submissions of the same case on MySQL.
      const knownFiles = new Set((await tx.find(FileAnalysisEntity, { where: { caseId: threatCase.id }, ...writeLock(this.dataSource) })).map((f) => f.attachmentId));
      const knownUrls = new Set((await tx.find(UrlAnalysisEntity, { where: { caseId: threatCase.id }, ...writeLock(this.dataSource) })).map((u) => u.url));
      const newFiles = files
        .filter((file) => !knownFiles.has(file.id))
        .map((file, index) =>
          Object.assign(new FileAnalysisEntity(), {
            ...this.scope(threatCase),
            fileName: file.fileName.slice(0, rules.LIMITS.fileName),
            sha1: file.sha1,
            verdict: FileVerdict.ANALYZING,
            detectionName: null,
            patternVersion: null,
            analyzedAt: null,
            attachmentId: file.id,
            emailAnalysisId: null,
            createdAt: new Date(now.getTime() + index),
          }),
        );
      const newUrls = urls
        .filter((url) => !knownUrls.has(url))
        .map((url, index) => Object.assign(new UrlAnalysisEntity(), { ...this.scope(threatCase), url, category: null, rating: UrlRating.UNRATED, analyzedAt: null, createdAt: new Date(now.getTime() + index) }));
      if (newFiles.length > 0) await tx.insert(FileAnalysisEntity, newFiles);
      if (newUrls.length > 0) await tx.insert(UrlAnalysisEntity, newUrls);
      const newEmails = await insertSubmittedEmails(tx, this.dataSource, threatCase, emailArchives, now);
      const newAttk = await insertSubmittedAttkFiles(tx, this.dataSource, threatCase, attkArchives, now);
      // The case's history shows what was submitted (nothing, when every item was known already).
      const items = [...newFiles.map((file) => file.fileName), ...newUrls.map((url) => url.url), ...newEmails.map((email) => email.name), ...newAttk.map((attk) => attk.fileName)];
      if (items.length > 0) {
        await recordCaseActivity(tx, {
          caseId: threatCase.id,
          organizationId: threatCase.organizationId,
          kind: CaseActivityKind.ANALYSIS_SUBMITTED,
          actor: activityActor(request.principal),
          at: now,
          // urls: what the case's search finds it by (case-activity-protocol.ts); the submitted files' names it has from their attachment.
          details: { items: items.join(", "), urls: newUrls.map((url) => url.url).join("\n") || null },
        });
      }
    });
    return this.resultsOf(request.principal, threatCase.id);
  }

  /** The verdict on a file; a detection name only with DANGEROUS. */
  async recordFileVerdict(request: ThreatsRequest, input: RecordFileVerdictInput): Promise<ThreatResults> {
    rules.requireEngineer(request.principal);
    const verdict = rules.fileVerdictOf(input);
    const file = await findVisibleResult(this.dataSource, request.principal, FileAnalysisEntity, input.fileAnalysisId, "FileAnalysis");
    await openThreatCase(request, file.caseId);
    const now = this.clock();
    await inTransaction(this.dataSource, async (tx) => {
      const before = await tx.findOneOrFail(FileAnalysisEntity, { where: { id: file.id }, ...writeLock(this.dataSource) });
      await tx.update(FileAnalysisEntity, { id: file.id }, { ...verdict, analyzedAt: analyzedAt(verdict.verdict, now) });
      const unchanged = before.verdict === verdict.verdict && before.detectionName === verdict.detectionName && before.patternVersion === verdict.patternVersion;
      if (!unchanged) {
        await this.recordResult(request, tx, before, now, { resultType: "FILE", name: before.fileName, oldValue: before.verdict, newValue: verdict.verdict, detectionName: verdict.detectionName });
      }
      // The file's verdict history keeps every recorded change (file-analysis/file-verdict.ts).
      if (!unchanged) await appendVerdict(tx, before, verdict, actorOf(request.principal), now);
    });
    return this.resultsOf(request.principal, file.caseId);
  }

  /** The rating of a URL of the case, added when the case has no result for it yet. */
  async recordUrlRating(request: ThreatsRequest, input: RecordUrlRatingInput): Promise<ThreatResults> {
    rules.requireEngineer(request.principal);
    const url = rules.canonicalUrl("url", input.url);
    const category = rules.optionalText("category", input.category, rules.LIMITS.category);
    return this.record(request, input.caseId, UrlAnalysisEntity, { url }, (now) => ({ rating: input.rating, category, analyzedAt: now }), { resultType: "URL", name: url, valueOf: (row) => row?.rating ?? null });
  }

  /** The verdict on a submitted e-mail, by its name within the case. */
  async recordEmailVerdict(request: ThreatsRequest, input: RecordEmailVerdictInput): Promise<ThreatResults> {
    rules.requireEngineer(request.principal);
    const name = rules.requiredText("name", input.name, rules.LIMITS.name);
    return this.record(request, input.caseId, EmailAnalysisEntity, { name }, (now) => ({ verdict: input.verdict, analyzedAt: analyzedAt(input.verdict, now) }), {
      resultType: "EMAIL",
      name,
      valueOf: (row) => row?.verdict ?? null,
    });
  }

  /** Whether the Anti-Threat Toolkit collected a file, by its name within the case. */
  async recordAttkFile(request: ThreatsRequest, input: RecordAttkFileInput): Promise<ThreatResults> {
    rules.requireEngineer(request.principal);
    const fileName = rules.requiredText("fileName", input.fileName, rules.LIMITS.fileName);
    return this.record(request, input.caseId, AttkCollectionEntity, { fileName }, (now) => ({ collected: input.collected, analyzedAt: now }), {
      resultType: "ATTK",
      name: fileName,
      valueOf: (row) => (row ? attkValue(row.collected) : null),
    });
  }

  /** The case's history shows the recorded result (RESULT_RECORDED), written with it. */
  private recordResult(request: ThreatsRequest, tx: EntityManager, on: { caseId: string; organizationId: string }, at: Date, details: Record<string, string | null>): Promise<string> {
    return recordCaseActivity(tx, { caseId: on.caseId, organizationId: on.organizationId, kind: CaseActivityKind.RESULT_RECORDED, actor: activityActor(request.principal), at, details });
  }

  private scope(threatCase: OpenThreatCase) {
    return { id: randomUUID(), caseId: threatCase.id, organizationId: threatCase.organizationId, threatCategory: threatCase.threatCategory };
  }

  /**
   * An engineer's record on an open threat case: updates the case's row with `key`, or inserts it
   * (the case's rows are locked meanwhile on MySQL), then answers the case's results.
   */
  private async record<T extends Scoped>(
    request: ThreatsRequest,
    caseId: string,
    entity: EntityTarget<T>,
    key: Record<string, string>,
    valuesAt: (now: Date) => Record<string, unknown>,
    result: RecordedResult<T>,
  ): Promise<ThreatResults> {
    const threatCase = await openThreatCase(request, caseId);
    const now = this.clock();
    const values = valuesAt(now);
    await inTransaction(this.dataSource, async (tx: EntityManager) => {
      const rows = await tx.find(entity, { where: { caseId: threatCase.id } as never, ...writeLock(this.dataSource) });
      const [column, value] = Object.entries(key)[0]!;
      const existing = rows.find((row) => (row as Record<string, unknown>)[column] === value);
      if (existing) await tx.update(entity, { id: existing.id }, values as never);
      else await tx.insert(entity, { ...this.scope(threatCase), ...key, ...values, createdAt: now } as never);
      const oldValue = result.valueOf(existing ?? null);
      const newValue = result.valueOf({ ...existing, ...values } as T);
      if (!existing || oldValue !== newValue) {
        const urls = result.resultType === "URL" ? result.name : null;
        await this.recordResult(request, tx, { caseId: threatCase.id, organizationId: threatCase.organizationId }, now, { resultType: result.resultType, name: result.name, oldValue, newValue, urls });
      }
    });
    return this.resultsOf(request.principal, threatCase.id);
  }
}

/** What RESULT_RECORDED says about an URL, e-mail or ATTK record: its type, its name, and its value before and after. */
interface RecordedResult<T> {
  resultType: "URL" | "EMAIL" | "ATTK";
  name: string;
  valueOf: (row: T | null) => string | null;
}

/** An ATTK collection's state as the case's history shows it. */
function attkValue(collected: boolean): string {
  return collected ? "COLLECTED" : "NOT_COLLECTED";
}

/** A result still being analysed has not been analysed yet. */
function analyzedAt(verdict: FileVerdict | EmailVerdict, now: Date): Date | null {
  return verdict === FileVerdict.ANALYZING || verdict === EmailVerdict.ANALYZING ? null : now;
}
