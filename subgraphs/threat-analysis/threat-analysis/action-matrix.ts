import { AttkAction, FileAction, FileVerdict, ThreatCategory } from "../threat.enums.js";

/**
 * The customer requests on a file result (docs/domain.md, "Threat cases"): the one place that decides
 * both what `availableActions` shows and what `requestFileAction` accepts.
 */
export function availableFileActions(verdict: FileVerdict, category: ThreatCategory): FileAction[] {
  switch (verdict) {
    case FileVerdict.ANALYZING:
      return [];
    case FileVerdict.NO_PROBLEM:
      return [FileAction.REQUEST_REANALYSIS, FileAction.REPORT_FALSE_POSITIVE];
    case FileVerdict.DANGEROUS: {
      const actions = [FileAction.REQUEST_REANALYSIS, FileAction.REPORT_FALSE_POSITIVE, FileAction.REQUEST_PATTERN_FILE];
      if (category !== ThreatCategory.FALSE_POSITIVE_ANALYSIS) actions.push(FileAction.REQUEST_DETECTION_NAME);
      if (category === ThreatCategory.INFECTION_ANALYSIS) actions.push(FileAction.REQUEST_VIRUS_INFO, FileAction.REPORT_CLEANUP_FAILURE);
      return actions;
    }
  }
}

/**
 * ATTK actions: re-analysis of the collection log only on "infected or suspected infected file
 * analysis" cases; collecting more files always. Whether a file was collected changes neither.
 */
export function availableAttkActions(_collected: boolean, category: ThreatCategory): AttkAction[] {
  return category === ThreatCategory.INFECTION_ANALYSIS ? [AttkAction.REQUEST_LOG_REANALYSIS, AttkAction.COLLECT_MORE_FILES] : [AttkAction.COLLECT_MORE_FILES];
}

/** Actions whose request must say why (a non-empty comment). */
export const ACTIONS_NEEDING_A_REASON: readonly string[] = [AttkAction.REQUEST_LOG_REANALYSIS];
