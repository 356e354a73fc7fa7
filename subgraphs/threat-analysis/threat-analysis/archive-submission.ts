import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { badInput } from "../../kit/errors.js";
import { writeLock } from "../../kit/transaction.js";
import type { AttachmentFacts } from "../attachment/attachment-facts.client.js";
import { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import { EmailVerdict } from "../threat.enums.js";
import type { ThreatsRequest } from "../threats.request.js";
import type { OpenThreatCase } from "./case-gate.js";

/*
 * E-mails and ATTK collections submitted as archives (docs/domain.md, "E-mails and ATTK logs"). Files of
 * threat cases are ZIPs encrypted with "virus", which only the support team opens; the names of their
 * entries are readable without the password, and the attachments subgraph records them at upload. So a
 * submitted archive says what it holds: each `.eml` entry of an e-mail archive is a message to analyse,
 * each file of an ATTK archive a file the toolkit collected.
 */

/** Which list of `SubmitForAnalysisInput` an archive came in. */
export type ArchiveField = "emails" | "attkLogs";

/** An uploaded archive of the case and the entries it is submitted for. */
export interface SubmittedArchive {
  attachmentId: string;
  fileName: string;
  entries: string[];
}

/** E-mail messages are `.eml` files (RFC 822 / MIME); other entries of an e-mail archive are not messages and are left out. */
export function isEmailMessage(entryName: string): boolean {
  return /\.eml$/i.test(entryName);
}

/** The entries of `facts` that the submission takes, or BAD_USER_INPUT on `field` saying why none. */
function entriesOf(facts: AttachmentFacts, field: ArchiveField): string[] {
  if (!facts.entryNames) {
    throw badInput(field, `${facts.fileName}: the files inside it are not known (a ZIP encrypted with the password "virus" of at most 200 files is needed; upload it again)`);
  }
  const entries = field === "emails" ? facts.entryNames.filter(isEmailMessage) : facts.entryNames;
  if (entries.length === 0) throw badInput(field, field === "emails" ? `${facts.fileName} holds no e-mail message (.eml file)` : `${facts.fileName} holds no file`);
  return entries;
}

/**
 * The archives `ids` of the case, asked of the attachments subgraph as the caller: a file of another
 * case (or one the caller may not see) is BAD_USER_INPUT on `field`, as for `attachmentIds`.
 */
export async function submittedArchives(request: ThreatsRequest, caseId: string, ids: readonly string[], field: ArchiveField): Promise<SubmittedArchive[]> {
  if (ids.length === 0) return [];
  const facts = await request.loaders.attachmentFacts.loadMany(ids);
  return facts.map((fact, index) => {
    if (fact instanceof Error) throw fact;
    if (!fact || fact.caseId !== caseId) throw badInput(field, `attachment ${ids[index]} is not a file of this case`);
    requireAttached(fact, field);
    return { attachmentId: fact.id, fileName: fact.fileName, entries: entriesOf(fact, field) };
  });
}

/**
 * Only a file that is part of the case (sent with its registration or an update) is analysed: a
 * staged file is still private to its uploader, so the engineers could neither see nor download it.
 */
export function requireAttached(fact: AttachmentFacts, field: string): void {
  if (fact.state !== "ATTACHED") throw badInput(field, `attachment ${fact.id} (${fact.fileName}) is not part of the case yet: send it with a case update first`);
}

function scopeOf(threatCase: OpenThreatCase) {
  return { id: randomUUID(), caseId: threatCase.id, organizationId: threatCase.organizationId, threatCategory: threatCase.threatCategory };
}

/**
 * Inserts an EmailAnalysis (ANALYZING) for each e-mail of `archives` the case has no e-mail of that name
 * for yet, inside `tx` with the case's e-mails locked; returns the new rows. An e-mail submitted again
 * changes nothing.
 */
export async function insertSubmittedEmails(tx: EntityManager, dataSource: DataSource, threatCase: OpenThreatCase, archives: readonly SubmittedArchive[], now: Date): Promise<EmailAnalysisEntity[]> {
  if (archives.length === 0) return [];
  const known = new Set((await tx.find(EmailAnalysisEntity, { where: { caseId: threatCase.id }, ...writeLock(dataSource) })).map((email) => email.name));
  const rows: EmailAnalysisEntity[] = [];
  for (const archive of archives) {
    for (const name of archive.entries) {
      if (known.has(name)) continue;
      known.add(name);
      rows.push(
        Object.assign(new EmailAnalysisEntity(), {
          ...scopeOf(threatCase),
          name,
          verdict: EmailVerdict.ANALYZING,
          analyzedAt: null,
          attachmentId: archive.attachmentId,
          createdAt: new Date(now.getTime() + rows.length),
        }),
      );
    }
  }
  if (rows.length > 0) await tx.insert(EmailAnalysisEntity, rows);
  return rows;
}

/**
 * Inserts an AttkCollection (collected: the file is in the collection; `analyzedAt` null until an
 * engineer records it) for each file of `archives` the case has no ATTK row of that name for yet;
 * returns the new rows. Files the toolkit failed to collect are recorded by engineers from its log
 * (`recordAttkFile` with `collected: false`).
 */
export async function insertSubmittedAttkFiles(tx: EntityManager, dataSource: DataSource, threatCase: OpenThreatCase, archives: readonly SubmittedArchive[], now: Date): Promise<AttkCollectionEntity[]> {
  if (archives.length === 0) return [];
  const known = new Set((await tx.find(AttkCollectionEntity, { where: { caseId: threatCase.id }, ...writeLock(dataSource) })).map((attk) => attk.fileName));
  const rows: AttkCollectionEntity[] = [];
  for (const archive of archives) {
    for (const fileName of archive.entries) {
      if (known.has(fileName)) continue;
      known.add(fileName);
      rows.push(Object.assign(new AttkCollectionEntity(), { ...scopeOf(threatCase), fileName, collected: true, analyzedAt: null, createdAt: new Date(now.getTime() + rows.length) }));
    }
  }
  if (rows.length > 0) await tx.insert(AttkCollectionEntity, rows);
  return rows;
}
