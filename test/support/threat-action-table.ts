/**
 * The customer action matrix of docs/domain.md, "Threat cases" (source: 解析結果に対して以下のアクションが可能です),
 * written out by hand, cell by cell, so that tests check the code against the domain and not against itself.
 * Columns: INFECTION_ANALYSIS, FALSE_POSITIVE_ANALYSIS, URL_ANALYSIS, EMAIL_ANALYSIS, OTHER. "x" = offered.
 */
export const THREAT_CATEGORIES = ["INFECTION_ANALYSIS", "FALSE_POSITIVE_ANALYSIS", "URL_ANALYSIS", "EMAIL_ANALYSIS", "OTHER"] as const;

const FILE_TABLE: Record<string, Record<string, string>> = {
  NO_PROBLEM: {
    REQUEST_REANALYSIS: "x x x x x",
    REPORT_FALSE_POSITIVE: "x x x x x",
    REQUEST_PATTERN_FILE: "- - - - -",
    REQUEST_DETECTION_NAME: "- - - - -",
    REQUEST_VIRUS_INFO: "- - - - -",
    REPORT_CLEANUP_FAILURE: "- - - - -",
  },
  DANGEROUS: {
    REQUEST_REANALYSIS: "x x x x x",
    REPORT_FALSE_POSITIVE: "x x x x x",
    REQUEST_PATTERN_FILE: "x x x x x",
    REQUEST_DETECTION_NAME: "x - x x x",
    REQUEST_VIRUS_INFO: "x - - - -",
    REPORT_CLEANUP_FAILURE: "x - - - -",
  },
  ANALYZING: {
    REQUEST_REANALYSIS: "- - - - -",
    REPORT_FALSE_POSITIVE: "- - - - -",
    REQUEST_PATTERN_FILE: "- - - - -",
    REQUEST_DETECTION_NAME: "- - - - -",
    REQUEST_VIRUS_INFO: "- - - - -",
    REPORT_CLEANUP_FAILURE: "- - - - -",
  },
};

/** ATTK: log re-analysis only on INFECTION_ANALYSIS cases; collecting more files always; collected or not. */
const ATTK_TABLE: Record<string, Record<string, string>> = {
  collected: { REQUEST_LOG_REANALYSIS: "x - - - -", COLLECT_MORE_FILES: "x x x x x" },
  "not collected": { REQUEST_LOG_REANALYSIS: "x - - - -", COLLECT_MORE_FILES: "x x x x x" },
};

export interface MatrixCell {
  /** A FileVerdict, or "collected" / "not collected" for ATTK. */
  row: string;
  category: (typeof THREAT_CATEGORIES)[number];
  action: string;
  offered: boolean;
}

function cells(table: Record<string, Record<string, string>>): MatrixCell[] {
  return Object.entries(table).flatMap(([row, actions]) =>
    Object.entries(actions).flatMap(([action, marks]) => marks.split(" ").map((mark, i) => ({ row, category: THREAT_CATEGORIES[i]!, action, offered: mark === "x" }))),
  );
}

export const FILE_ACTION_TABLE = cells(FILE_TABLE);
export const ATTK_ACTION_TABLE = cells(ATTK_TABLE);

/** The actions offered for one row and category, in table order. */
export function offeredActions(table: MatrixCell[], row: string, category: string): string[] {
  return table.filter((cell) => cell.row === row && cell.category === category && cell.offered).map((cell) => cell.action);
}
