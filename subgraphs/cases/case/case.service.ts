import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { badInput, domainError, ErrorCode, notFound } from "../../kit/errors.js";
import { canSeeOrganization, isEngineer, type Principal } from "../../kit/principal.js";
import { recordAnswer } from "../../kit/idempotency.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import { Actor, ActorRole, actorOf } from "../../kit/actor.js";
import { type CaseFeedChange, CaseFeedEventType } from "../../kit/case-feed-protocol.js";
import { CaseEventEntity } from "../case-event/case-event.entity.js";
import { type CaseFeedDraft, CaseFeedWriter } from "../case-feed/case-feed.writer.js";
import { CaseUpdateEntity } from "../case-update/case-update.entity.js";
import { NotificationEntity, NotificationKind, NotificationState } from "../notification/notification.entity.js";
import { OrganizationUser } from "../organization/organization-user.entity.js";
import { ProductProfile } from "../product-profile/product-profile.entity.js";
import { type AttachmentRequest, MAX_ATTACHMENT_IDS, type ReservationCoordinator } from "../attachment-reservation/attachment-reservation.coordinator.js";
import { CaseEntity, CaseNumberAllocation } from "./case.entity.js";
import { countCaseChanges, countedFacts, countNewCases } from "./case.counts.js";
import { CaseStatus, CaseSubStatus, SEVERITY_RANK } from "./case.enums.js";
import type { AddCaseUpdateInput, CloseCaseInput, CreateCaseInput, SetCaseSubStatusInput, UpdateCaseInput } from "./case.input.js";
import type { ReservedFile } from "../../kit/reservation-protocol.js";
import { CaseSearchIndex, type SearchAdditions } from "../search/search-index.js";
import * as rules from "./case.rules.js";

export type Clock = () => Date;

/** A case field's value as its history records it: enums and texts are strings, e-mail lists arrays. */
type FieldValue = string | readonly string[] | null | undefined;

/**
 * The changes one command makes to a case: history events, feed events and mail, saved with it.
 * Exported for the case-activity module (subgraphs/cases/case-activity/), which records threat activity with the same events.
 */
export class ChangeSet {
  readonly events: CaseEventEntity[] = [];
  readonly notifications: { kind: NotificationKind; details: Record<string, string | null> }[] = [];
  readonly feed: CaseFeedDraft[] = [];
  /** History events already carried by an announced feed event. */
  private announced = 0;
  constructor(
    private readonly actor: Actor,
    private readonly at: Date,
    private readonly caseId: string,
  ) {}

  record(field: string, oldValue: FieldValue, newValue: FieldValue, comment: string | null = null): void {
    const text = (value: FieldValue) => (value === null || value === undefined ? null : typeof value === "string" ? value : value.join(", "));
    this.events.push(
      Object.assign(new CaseEventEntity(), {
        id: randomUUID(),
        caseId: this.caseId,
        actor: this.actor,
        field,
        oldValue: text(oldValue),
        newValue: text(newValue),
        comment,
        at: this.at,
      }),
    );
  }

  /** A status change is two events, one per field, so history reads field by field. */
  recordTransition(from: { status: string | null; subStatus: string | null }, to: { status: string; subStatus: string }, comment: string | null = null): void {
    if (from.status !== to.status) this.record("status", from.status, to.status, comment);
    if (from.subStatus !== to.subStatus) this.record("subStatus", from.subStatus, to.subStatus, comment);
  }

  notify(kind: NotificationKind, details: Record<string, string | null> = {}): void {
    this.notifications.push({ kind, details: { actorName: this.actor.name, actorRole: this.actor.role, ...details } });
  }

  /**
   * Adds a feed event (kit/case-feed-protocol.ts). Its changes are the history recorded since the last
   * announcement, unless `changes` names others (files attached are not a history field).
   */
  announce(type: CaseFeedEventType, options: { updateId?: string | null; changes?: CaseFeedChange[] } = {}): void {
    let changes = options.changes;
    if (!changes) {
      changes = this.events.slice(this.announced).map((e) => ({ field: e.field, oldValue: e.oldValue, newValue: e.newValue }));
      this.announced = this.events.length;
    }
    this.feed.push({ type, actor: this.actor, at: this.at, changes, updateId: options.updateId ?? null });
  }

  /** True when the history holds changes no feed event carries yet. */
  get hasUnannounced(): boolean {
    return this.events.length > this.announced;
  }
}

/** The feed event of files joining a case (with its registration or an update). */
function filesAttached(changes: ChangeSet, attachmentIds: readonly string[], updateId: string | null): void {
  if (attachmentIds.length) changes.announce(CaseFeedEventType.FILES_ATTACHED, { updateId, changes: [{ field: "attachments", oldValue: null, newValue: attachmentIds.join(", ") }] });
}

function isCustomerSide(principal: Principal): boolean {
  return !isEngineer(principal);
}

/**
 * The case lifecycle: every command validates, then changes one case in one transaction. Files come
 * with a registration or an update through the reservation protocol (`reservations`), which never
 * calls the attachments subgraph while that transaction is open.
 */
export class CaseService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly reservations: Pick<ReservationCoordinator, "commitWithAttachments">,
    private readonly feed: CaseFeedWriter = new CaseFeedWriter(),
    /** The case's searchable text, refreshed in every transaction that changes its words or files (before the feed events, which go last). */
    private readonly search = new CaseSearchIndex(dataSource, clock),
  ) {}

  /** Cases by id, `null` for missing or invisible ones (rule 11), in key order. */
  async findVisible(principal: Principal, ids: readonly string[]): Promise<(CaseEntity | null)[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource
      .getRepository(CaseEntity)
      .createQueryBuilder("c")
      .where("c.id IN (:...ids)", { ids: [...ids] })
      .getMany();
    const byId = new Map(rows.filter((c) => canSeeOrganization(principal, c.organizationId)).map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async findByNumber(principal: Principal, caseNumber: string): Promise<CaseEntity | null> {
    const found = await this.dataSource.getRepository(CaseEntity).findOneBy({ caseNumber: caseNumber.trim().toUpperCase() });
    return found && canSeeOrganization(principal, found.organizationId) ? found : null;
  }

  /** `identityToken`: the caller's gateway-signed token, with which the attachments subgraph is asked about the files. */
  async createCase(principal: Principal, input: CreateCaseInput, identityToken: string): Promise<CaseEntity> {
    rules.requireScope(principal, "cases:write");
    const organizationId = this.organizationForNewCase(principal, input.organizationId ?? null);
    const title = rules.requiredText("title", input.title);
    const description = rules.requiredText("description", input.description);
    const contactName = rules.requiredText("contactName", input.contactName);
    const businessImpact = input.businessImpact ? rules.limitedText("businessImpact", input.businessImpact.trim()) || null : null;
    const { problemCategory, threatCategory } = rules.categoriesOfNewCase(input.inquiryType, input.problemCategory, input.threatCategory);
    const ccEmails = rules.normalizeCcEmails(input.ccEmails ?? []);
    rules.requireBusinessImpact(input.severity, businessImpact);
    const attachmentIds = this.attachmentIds(input.attachmentIds);
    const profile = await this.dataSource.getRepository(ProductProfile).findOneBy({ id: input.productProfileId });
    if (!profile || profile.organizationId !== organizationId) throw badInput("productProfileId", "unknown product profile");
    const registrant = await this.registrantOfNewCase(principal, organizationId, input.registrant?.email);

    const now = this.clock();
    // Chosen before anything is written: the reservation of the files names the case it will be.
    const caseId = randomUUID();
    const files: AttachmentRequest = { caseId, updateId: null, organizationId, inquiryType: input.inquiryType, attachmentIds, identityToken };
    return this.reservations.commitWithAttachments(files, async (tx, reserved) => {
      // Rolled back with the case when the registration fails; a number no case ever showed is not a reused one.
      const allocation = await tx.save(Object.assign(new CaseNumberAllocation(), { allocatedAt: now }));
      const entity = Object.assign(new CaseEntity(), {
        id: caseId,
        caseNumber: rules.formatCaseNumber(now.getUTCFullYear(), allocation.id),
        organizationId,
        title,
        description,
        status: CaseStatus.OPEN,
        subStatus: CaseSubStatus.RECEIVED,
        severity: input.severity,
        severityRank: SEVERITY_RANK[input.severity],
        inquiryType: input.inquiryType,
        threatCategory,
        problemCategory,
        productProfileId: profile.id,
        contactName,
        registrant,
        ccEmails,
        businessImpact,
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        version: 1,
        lastCustomerActivityAt: now,
        subStatusChangedAt: now,
        lastEventSequence: 0,
      });
      // The caller is the actor of the registration; on someone's behalf, the registrant is named in history and mail.
      const actor = actorOf(principal);
      const onBehalf = registrant.id !== actor.id;
      const changes = new ChangeSet(actor, now, caseId);
      changes.recordTransition({ status: null, subStatus: null }, { status: CaseStatus.OPEN, subStatus: CaseSubStatus.RECEIVED });
      if (onBehalf) changes.record("registrant", null, registrant.name);
      changes.announce(CaseFeedEventType.CASE_CREATED);
      filesAttached(changes, attachmentIds, null);
      changes.notify(NotificationKind.CASE_REGISTERED, onBehalf ? { onBehalf: "true" } : {});
      const sequences = CaseFeedWriter.numberDrafts(entity, changes.feed);
      await tx.insert(CaseEntity, entity);
      await recordAnswer(tx, { caseId });
      await this.search.refresh(tx, entity, { fileNames: reserved.map((f) => f.fileName) });
      await countNewCases(tx, [entity]);
      await this.saveChanges(tx, entity, changes, sequences);
      return entity;
    });
  }

  async updateCase(principal: Principal, input: UpdateCaseInput): Promise<CaseEntity> {
    rules.requireScope(principal, "cases:write");
    if (input.status === CaseStatus.OPEN) {
      throw domainError(ErrorCode.REOPEN_VIA_UPDATE, "A case is reopened by posting a case update with requestReopen: true", { field: "status" });
    }
    const ccEmails = input.ccEmails ? rules.normalizeCcEmails(input.ccEmails) : undefined;
    const businessImpact = input.businessImpact === undefined || input.businessImpact === null ? undefined : rules.limitedText("businessImpact", input.businessImpact.trim());
    return this.change(principal, input.caseId, input.expectedVersion, (c, changes) => {
      rules.requireOpen(c.status, c.caseNumber);
      const severity = input.severity ?? c.severity;
      const impact = businessImpact === undefined ? c.businessImpact : businessImpact || null;
      rules.requireBusinessImpact(severity, impact);
      if (severity !== c.severity) {
        changes.record("severity", c.severity, severity);
        changes.notify(NotificationKind.SEVERITY_CHANGED, { oldValue: c.severity, newValue: severity });
        c.severity = severity;
        c.severityRank = SEVERITY_RANK[severity];
      }
      if (impact !== c.businessImpact) {
        changes.record("businessImpact", c.businessImpact, impact);
        c.businessImpact = impact;
      }
      if (ccEmails && ccEmails.join("\n") !== c.ccEmails.join("\n")) {
        changes.record("ccEmails", c.ccEmails, ccEmails);
        c.ccEmails = ccEmails;
      }
      if (input.status === CaseStatus.CLOSED) this.close(principal, c, changes, rules.closingSubStatus(principal));
      else if (changes.hasUnannounced) changes.announce(CaseFeedEventType.CASE_CHANGED);
    });
  }

  async closeCase(principal: Principal, input: CloseCaseInput): Promise<CaseEntity> {
    rules.requireScope(principal, "cases:write");
    return this.change(principal, input.caseId, input.expectedVersion, (c, changes) => {
      rules.requireOpen(c.status, c.caseNumber);
      this.close(principal, c, changes, rules.closingSubStatus(principal));
    });
  }

  async setCaseSubStatus(principal: Principal, input: SetCaseSubStatusInput): Promise<CaseEntity> {
    if (!isEngineer(principal)) throw domainError(ErrorCode.FORBIDDEN, "Only support engineers move sub-statuses");
    if (!rules.ENGINEER_SUB_STATUSES.includes(input.subStatus)) {
      throw badInput("subStatus", `${input.subStatus} is set by the portal itself, not by engineers`);
    }
    const comment = input.comment?.trim() ? rules.limitedText("comment", input.comment.trim()) : null;
    return this.change(principal, input.caseId, input.expectedVersion, (c, changes) => {
      rules.requireOpen(c.status, c.caseNumber);
      if (rules.ENGINEER_CLOSING_SUB_STATUSES.includes(input.subStatus)) {
        this.close(principal, c, changes, input.subStatus, comment);
      } else if (input.subStatus !== c.subStatus) {
        changes.record("subStatus", c.subStatus, input.subStatus, comment);
        changes.announce(CaseFeedEventType.STATUS_CHANGED);
        changes.notify(NotificationKind.SUB_STATUS_CHANGED, { oldValue: c.subStatus, newValue: input.subStatus, comment });
        c.subStatus = input.subStatus;
        c.subStatusChangedAt = this.clock();
      }
    });
  }

  /** `identityToken`: the caller's gateway-signed token, with which the attachments subgraph is asked about the files. */
  async addCaseUpdate(principal: Principal, input: AddCaseUpdateInput, identityToken: string): Promise<{ case: CaseEntity; update: CaseUpdateEntity }> {
    rules.requireScope(principal, "cases:write");
    const attachmentIds = this.attachmentIds(input.attachmentIds);
    // Dropping the logs and pressing Update is an update: the text is optional when files come with it.
    const text = input.body?.trim() ?? "";
    if (text === "" && attachmentIds.length === 0) throw badInput("body", "An update needs text, at least one file, or both");
    const body = rules.limitedText("body", text);
    const current = await this.requireVisible(principal, input.caseId);
    const reopens = current.status === CaseStatus.CLOSED && input.requestReopen === true;
    // Refused before any file is held; checked again under the lock.
    if (!reopens) rules.requireOpen(current.status, current.caseNumber);
    // Chosen before anything is written: the reservation of the files names the update they come with.
    const updateId = randomUUID();
    const files: AttachmentRequest = { caseId: current.id, updateId, organizationId: current.organizationId, inquiryType: current.inquiryType, reopening: reopens, attachmentIds, identityToken };
    let update!: CaseUpdateEntity;
    let reserved: readonly ReservedFile[] = [];
    const commit = <T>(work: (tx: EntityManager) => Promise<T>) =>
      this.reservations.commitWithAttachments(files, (tx, held) => {
        reserved = held;
        return work(tx);
      });
    const updated = await this.change(
      principal,
      input.caseId,
      null,
      async (c, changes, now, tx) => {
        const reopening = c.status === CaseStatus.CLOSED && input.requestReopen === true;
        if (!reopening) rules.requireOpen(c.status, c.caseNumber);
        update = Object.assign(new CaseUpdateEntity(), {
          id: updateId,
          caseId: c.id,
          body,
          author: actorOf(principal),
          requestedReopen: reopening,
          createdAt: now,
        });
        if (reopening) {
          // An engineer's reopening is the engineer's action (対応中), not an update from the customer.
          const subStatus = isCustomerSide(principal) ? CaseSubStatus.CUSTOMER_UPDATED : CaseSubStatus.IN_PROGRESS;
          changes.recordTransition(c, { status: CaseStatus.OPEN, subStatus });
          changes.record("reopen", null, principal.name);
          c.status = CaseStatus.OPEN;
          c.closedAt = null;
          c.subStatus = subStatus;
          c.subStatusChangedAt = now;
          changes.announce(CaseFeedEventType.CASE_REOPENED, { updateId });
          changes.notify(NotificationKind.CASE_REOPENED, { body, updateId: update.id });
        } else {
          if (isCustomerSide(principal) && c.subStatus !== CaseSubStatus.CUSTOMER_UPDATED) {
            changes.record("subStatus", c.subStatus, CaseSubStatus.CUSTOMER_UPDATED);
            c.subStatus = CaseSubStatus.CUSTOMER_UPDATED;
            c.subStatusChangedAt = now;
          }
          changes.announce(CaseFeedEventType.UPDATE_ADDED, { updateId });
          changes.notify(NotificationKind.CASE_UPDATED, { body, updateId: update.id });
        }
        filesAttached(changes, attachmentIds, updateId);
        await tx.insert(CaseUpdateEntity, update);
      },
      commit,
      () => ({ fileNames: reserved.map((f) => f.fileName) }),
      { caseId: current.id, updateId },
    );
    return { case: updated, update };
  }

  /** The case a committed mutation changed, as a retry of it is answered (kit/idempotency.ts). */
  async committed(caseId: string): Promise<CaseEntity> {
    return this.dataSource.getRepository(CaseEntity).findOneByOrFail({ id: caseId });
  }

  /** The update a committed `addCaseUpdate` added, as a retry of it is answered. */
  async committedUpdate(updateId: string): Promise<CaseUpdateEntity> {
    return this.dataSource.getRepository(CaseUpdateEntity).findOneByOrFail({ id: updateId });
  }

  /** Fails with NOT_FOUND unless the case exists and the principal may see it. */
  async requireVisible(principal: Principal, caseId: string): Promise<CaseEntity> {
    const [found] = await this.findVisible(principal, [caseId]);
    if (!found) throw notFound("Case", caseId);
    return found;
  }

  private close(principal: Principal, c: CaseEntity, changes: ChangeSet, subStatus: CaseSubStatus, comment: string | null = null): void {
    changes.recordTransition(c, { status: CaseStatus.CLOSED, subStatus }, comment);
    changes.announce(CaseFeedEventType.CASE_CLOSED);
    changes.notify(NotificationKind.CASE_CLOSED, { newValue: subStatus, comment });
    c.status = CaseStatus.CLOSED;
    c.subStatus = subStatus;
    c.closedAt = this.clock();
    c.subStatusChangedAt = c.closedAt;
  }

  /**
   * Loads the case under a write lock, checks visibility and `expectedVersion`, lets `apply` change
   * it, then saves the case, its history events and outbox rows in the same transaction (`commit`
   * runs it: a plain transaction, or step 3 of the files' reservation). A command that changes
   * nothing leaves the version alone.
   */
  private async change(
    principal: Principal,
    caseId: string,
    expectedVersion: number | null | undefined,
    apply: (c: CaseEntity, changes: ChangeSet, now: Date, tx: EntityManager) => void | Promise<void>,
    commit: <T>(work: (tx: EntityManager) => Promise<T>) => Promise<T> = (work) => inTransaction(this.dataSource, work),
    /** Given when the change adds searchable text (an update's body, files): the case's search document is refreshed last. */
    searchAdditions?: () => SearchAdditions,
    /** What a retry with the same Idempotency-Key is answered from (kit/idempotency.ts). */
    answer: Record<string, string> = { caseId },
  ): Promise<CaseEntity> {
    return commit(async (tx) => {
      const c = await tx.findOne(CaseEntity, { where: { id: caseId }, ...writeLock(this.dataSource) });
      if (!c || !canSeeOrganization(principal, c.organizationId)) throw notFound("Case", caseId);
      if (expectedVersion !== undefined && expectedVersion !== null && expectedVersion !== c.version) {
        throw domainError(ErrorCode.CONFLICT, `Case ${c.caseNumber} changed since version ${expectedVersion}; it is at version ${c.version}`, {
          currentVersion: c.version,
        });
      }
      const now = this.clock();
      const changes = new ChangeSet(actorOf(principal), now, c.id);
      const before = c.version;
      const counted = countedFacts(c);
      await apply(c, changes, now, tx);
      await recordAnswer(tx, answer);
      if (changes.events.length === 0 && changes.notifications.length === 0 && changes.feed.length === 0) return c;
      const sequences = CaseFeedWriter.numberDrafts(c, changes.feed);
      c.version = before + 1;
      c.updatedAt = now;
      if (isCustomerSide(principal)) c.lastCustomerActivityAt = now;
      const { id: _id, caseNumber: _n, organizationId: _o, registrant: _r, createdAt: _c, ...columns } = c;
      const result = await tx.update(CaseEntity, { id: c.id, version: before }, columns);
      if (result.affected === 0) throw domainError(ErrorCode.CONFLICT, `Case ${c.caseNumber} was changed concurrently; retry`);
      if (searchAdditions) await this.search.refresh(tx, c, searchAdditions());
      await countCaseChanges(tx, [{ from: counted, to: c }]);
      await this.saveChanges(tx, c, changes, sequences);
      return c;
    });
  }

  /** History, mail, then the feed events (last: the feed's head lock is the shortest held). */
  private async saveChanges(tx: EntityManager, c: CaseEntity, changes: ChangeSet, sequences: readonly number[]): Promise<void> {
    if (changes.events.length) await tx.insert(CaseEventEntity, changes.events);
    const rows = changes.notifications.map(({ kind, details }) =>
      Object.assign(new NotificationEntity(), {
        id: randomUUID(),
        caseId: c.id,
        kind,
        recipients: rules.notificationRecipients(kind, c.registrant.email, c.ccEmails),
        details,
        state: NotificationState.PENDING,
        attempts: 0,
        nextAttemptAt: changes.events[0]?.at ?? this.clock(),
        createdAt: this.clock(),
      }),
    );
    if (rows.length) await tx.insert(NotificationEntity, rows);
    await this.feed.append(tx, c, changes.feed, sequences);
  }

  /** The registrant of a new case: the caller, or the user of the organization they name (BAD_USER_INPUT for anyone else). */
  private async registrantOfNewCase(principal: Principal, organizationId: string, requestedEmail: string | null | undefined): Promise<Actor> {
    const email = rules.registrantToLookUp(principal, requestedEmail);
    if (email === null) return actorOf(principal);
    const user = await this.dataSource.getRepository(OrganizationUser).findOneBy({ organizationId, email });
    if (!user) throw badInput("registrant", `${email} is not a user of organization ${organizationId}`);
    return Object.assign(new Actor(), { id: user.id, name: user.name, role: ActorRole.CUSTOMER, email: user.email });
  }

  private organizationForNewCase(principal: Principal, requested: string | null): string {
    if (requested) {
      if (!canSeeOrganization(principal, requested)) throw notFound("Organization", requested);
      return requested;
    }
    if (principal.organizationIds?.length === 1) return principal.organizationIds[0]!;
    throw badInput("organizationId", "organizationId is required when acting for several organizations");
  }

  /**
   * The ids, once each. How many files an update may carry is the attachments subgraph's one setting
   * (MAX_FILES_PER_UPLOAD, which uploads obey too; its answer names it as `max`); this only bounds the
   * request at what no setting allows, and so names no `max` of its own.
   */
  private attachmentIds(ids: string[] | null | undefined): string[] {
    const unique = [...new Set(ids ?? [])];
    if (unique.length > MAX_ATTACHMENT_IDS) {
      throw domainError(ErrorCode.TOO_MANY_FILES, `Too many files: ${unique.length} is more than MAX_FILES_PER_UPLOAD allows, whatever its setting`, { field: "attachmentIds" });
    }
    return unique;
  }
}
