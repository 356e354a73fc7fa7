import { randomUUID } from "node:crypto";
import { type DataSource, type EntityTarget, In } from "typeorm";
import { actorOf } from "../../kit/actor.js";
import { CaseActivityKind } from "../../kit/case-activity-protocol.js";
import { type Clock, systemClock } from "../../kit/clock.js";
import { recordAnswer } from "../../kit/idempotency.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import type { RequestAttkActionInput } from "../attk-collection/attk-collection.input.js";
import { activityActor, recordCaseActivity } from "../case-activity/case-activity.outbox.js";
import { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import type { RequestFileActionInput } from "../file-analysis/file-analysis.input.js";
import { ACTIONS_NEEDING_A_REASON, availableAttkActions, availableFileActions } from "../threat-analysis/action-matrix.js";
import { openThreatCase } from "../threat-analysis/case-gate.js";
import * as rules from "../threat-analysis/threat-analysis.rules.js";
import { findVisibleResult } from "../threat-analysis/visible-result.js";
import { AnalysisRequestState, type AttkAction, type FileAction } from "../threat.enums.js";
import type { ThreatsRequest } from "../threats.request.js";
import { AnalysisRequestEntity } from "./analysis-request.entity.js";
import { duplicateRequest, OPEN_STATES } from "./analysis-request.rules.js";

type Subject = FileAnalysisEntity | AttkCollectionEntity;

/**
 * Customer requests on results (re-analysis, false positive, pattern file, ...). What is offered and
 * what is accepted come from the same place: the action matrix, for the result as it is now, and
 * only while the case is open and the caller may request actions at all.
 */
export class AnalysisRequestService {
  constructor(
    readonly dataSource: DataSource,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The request a committed `requestFileAction` or `requestAttkAction` made, as a retry of it is answered (kit/idempotency.ts). */
  async committed(requestId: string): Promise<AnalysisRequestEntity> {
    return this.dataSource.getRepository(AnalysisRequestEntity).findOneByOrFail({ id: requestId });
  }

  /** `FileAnalysis.availableActions`: the buttons to draw now. */
  async fileActionsOffered(request: ThreatsRequest, file: FileAnalysisEntity): Promise<FileAction[]> {
    return (await this.mayRequestOn(request, file)) ? availableFileActions(file.verdict, file.threatCategory) : [];
  }

  /** `AttkCollection.availableActions`: the buttons to draw now. */
  async attkActionsOffered(request: ThreatsRequest, attk: AttkCollectionEntity): Promise<AttkAction[]> {
    return (await this.mayRequestOn(request, attk)) ? availableAttkActions(attk.collected, attk.threatCategory) : [];
  }

  async requestFileAction(request: ThreatsRequest, input: RequestFileActionInput): Promise<AnalysisRequestEntity> {
    return this.submitRequest(request, FileAnalysisEntity, "FileAnalysis", input.fileAnalysisId, input.action, input.comment, (file) => availableFileActions(file.verdict, file.threatCategory));
  }

  async requestAttkAction(request: ThreatsRequest, input: RequestAttkActionInput): Promise<AnalysisRequestEntity> {
    return this.submitRequest(request, AttkCollectionEntity, "AttkCollection", input.attkCollectionId, input.action, input.comment, (attk) => availableAttkActions(attk.collected, attk.threatCategory));
  }

  private async mayRequestOn(request: ThreatsRequest, subject: Subject): Promise<boolean> {
    if (!rules.mayRequestActions(request.principal)) return false;
    const status = request.loaders.caseStatus?.get(subject.caseId) ?? (await request.loaders.caseAccess.load(subject.caseId))?.status;
    return status === "OPEN";
  }

  private async submitRequest<T extends Subject>(
    request: ThreatsRequest,
    entity: EntityTarget<T>,
    what: string,
    subjectId: string,
    action: FileAction | AttkAction,
    comment: string | null | undefined,
    actionsOf: (subject: T) => readonly string[],
  ): Promise<AnalysisRequestEntity> {
    rules.requireThreatsWrite(request.principal);
    const subject = await findVisibleResult(this.dataSource, request.principal, entity, subjectId, what);
    const threatCase = await openThreatCase(request, subject.caseId, what === "FileAnalysis" ? "fileAnalysisId" : "attkCollectionId");
    const checkAction = (current: T) => {
      if (!actionsOf(current).includes(action)) throw rules.actionNotAvailable(action, `on this ${what} now`);
    };
    checkAction(subject);
    const text = rules.requestComment(comment, ACTIONS_NEEDING_A_REASON.includes(action));
    return inTransaction(this.dataSource, async (tx) => {
      // The verdict may have changed since it was read: decide on the locked row.
      checkAction(await tx.findOneOrFail(entity, { where: { id: subject.id } as never, ...writeLock(this.dataSource) }));
      // One open request per action and result: the result's row lock serializes concurrent requests for it.
      const open = await tx.findOne(AnalysisRequestEntity, { where: { subjectId: subject.id, action, state: In([...OPEN_STATES]) }, ...writeLock(this.dataSource) });
      if (open) throw duplicateRequest(action, open);
      const row = Object.assign(new AnalysisRequestEntity(), {
        id: randomUUID(),
        caseId: subject.caseId,
        organizationId: subject.organizationId,
        threatCategory: subject.threatCategory,
        subjectId: subject.id,
        action,
        comment: text,
        state: AnalysisRequestState.SUBMITTED,
        requestedBy: actorOf(request.principal),
        requestedAt: this.clock(),
        // Sets the request's response target (request-queue/, docs/domain.md "Response targets").
        caseSeverity: threatCase.severity,
      });
      await tx.insert(AnalysisRequestEntity, row);
      await recordAnswer(tx, { requestId: row.id });
      // The case shows the request and counts it as customer activity (the relay delivers it to the cases subgraph).
      await recordCaseActivity(tx, {
        caseId: row.caseId,
        organizationId: row.organizationId,
        kind: CaseActivityKind.REQUEST_MADE,
        actor: activityActor(request.principal),
        at: row.requestedAt,
        details: { requestId: row.id, action, subjectName: subject.fileName, comment: text },
      });
      return row;
    });
  }
}
