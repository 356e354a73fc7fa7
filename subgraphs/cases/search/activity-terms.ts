import type { CaseActivity } from "../../kit/case-activity-protocol.js";

/**
 * What a threat activity adds to its case's searchable text: the detection name and URLs its details
 * carry (subgraphs/kit/case-activity-protocol.ts). A detection name replaced later stays findable, as
 * it stays in the case's history.
 */
export function analysisTermsOf(activity: Pick<CaseActivity, "details">): string[] {
  const { detectionName, urls } = activity.details;
  return [detectionName ?? "", ...(urls ?? "").split("\n")].map((term) => term.trim()).filter((term) => term !== "");
}
