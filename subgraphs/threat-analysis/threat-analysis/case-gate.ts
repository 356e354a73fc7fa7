import type { CaseAccess } from "../../kit/case-access-client.js";
import { badInput, domainError, ErrorCode, notFound } from "../../kit/errors.js";
import type { ThreatCategory } from "../threat.enums.js";
import type { ThreatsRequest } from "../threats.request.js";

/** A case that threat mutations may change: visible to the caller, THREAT, OPEN. */
export interface OpenThreatCase extends CaseAccess {
  threatCategory: ThreatCategory;
}

/**
 * Asks the cases subgraph (batched, as the caller) about the case a threat mutation touches:
 * invisible or missing is NOT_FOUND (rule 11), PRODUCT cases have no threat analysis, and nothing
 * changes on a CLOSED case (rule 10).
 */
export async function openThreatCase(request: ThreatsRequest, caseId: string, field = "caseId"): Promise<OpenThreatCase> {
  const access = await request.loaders.caseAccess.load(caseId);
  if (!access) throw notFound("Case", caseId);
  if (access.inquiryType !== "THREAT" || !access.threatCategory) throw badInput(field, "only THREAT cases have threat analysis results");
  if (access.status !== "OPEN") throw domainError(ErrorCode.CASE_CLOSED, "The case is closed: reopen it with a case update first", { caseId });
  return access as OpenThreatCase;
}
