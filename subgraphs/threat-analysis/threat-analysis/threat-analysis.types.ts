import { Field, ObjectType } from "type-graphql";
import type { AttkCollectionEntity } from "../attk-collection/attk-collection.entity.js";
import type { EmailAnalysisEntity } from "../email-analysis/email-analysis.entity.js";
import type { FileAnalysisEntity } from "../file-analysis/file-analysis.entity.js";
import type { UrlAnalysisEntity } from "../url-analysis/url-analysis.entity.js";

/**
 * The portal's "threat analysis results" tab. A mutation's answer carries the results it has just read;
 * a case's `threatAnalysis` carries only the case, and each kind of result is read, batched over the
 * request's cases, when the query asks for it (threat-analysis.resolver.ts): a dashboard that shows
 * files and URLs reads no e-mails and no ATTK logs.
 */
@ObjectType()
export class ThreatAnalysis {
  /** The case whose results are read on demand (not in the schema). */
  caseId?: string;
  files?: FileAnalysisEntity[];
  urls?: UrlAnalysisEntity[];
  emails?: EmailAnalysisEntity[];
  attk?: AttkCollectionEntity[];
}

/** All four kinds of a case's results, as a mutation reads them after its change. */
export interface ThreatResults {
  files: FileAnalysisEntity[];
  urls: UrlAnalysisEntity[];
  emails: EmailAnalysisEntity[];
  attk: AttkCollectionEntity[];
}

@ObjectType()
export class ThreatAnalysisPayload {
  @Field(() => ThreatAnalysis) threatAnalysis: ThreatAnalysis;
}
