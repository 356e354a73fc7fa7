import { CaseActivityKind } from "../../kit/case-activity-protocol.js";
import type { Locale, Word } from "../../kit/locale.js";
import { AnalysisRequestState, AttkAction, EmailVerdict, FileAction, FileVerdict, UrlRating } from "../threat.enums.js";

/**
 * Every word of the threat-analysis subgraph's enums, in each locale: what it adds to the graph's
 * `Vocabulary`. The Japanese ones are the portal's result pages' own where they name them (結果,
 * 解析結果, the action buttons and their explanations).
 */
export interface ThreatWords {
  fileVerdict: Record<FileVerdict, string>;
  urlRating: Record<UrlRating, string>;
  emailVerdict: Record<EmailVerdict, string>;
  fileAction: Record<FileAction, Word>;
  attkAction: Record<AttkAction, Word>;
  analysisRequestState: Record<AnalysisRequestState, string>;
}

export const THREAT_WORDS: Record<Locale, ThreatWords> = {
  ja: {
    fileVerdict: { [FileVerdict.NO_PROBLEM]: "問題なし", [FileVerdict.DANGEROUS]: "危険", [FileVerdict.ANALYZING]: "解析中" },
    urlRating: { [UrlRating.SAFE]: "安全", [UrlRating.SUSPICIOUS]: "要注意", [UrlRating.DANGEROUS]: "危険", [UrlRating.UNRATED]: "未評価" },
    emailVerdict: { [EmailVerdict.NORMAL]: "正常", [EmailVerdict.SPAM]: "スパム", [EmailVerdict.UNANALYZABLE]: "解析不可", [EmailVerdict.ANALYZING]: "解析中" },
    fileAction: {
      [FileAction.REQUEST_REANALYSIS]: { label: "再解析依頼", description: "再解析を依頼したい場合。" },
      [FileAction.REPORT_FALSE_POSITIVE]: { label: "誤警告", description: "誤って「危険」と判定されている。" },
      [FileAction.REQUEST_PATTERN_FILE]: { label: "パターンファイル対応依頼", description: "オフィシャルパターンファイルでの対応を依頼したい場合。" },
      [FileAction.REQUEST_DETECTION_NAME]: { label: "ウイルス検出名付与依頼", description: "「危険」と判定されているファイルに対して検出名設定を依頼したい場合。" },
      [FileAction.REQUEST_VIRUS_INFO]: { label: "ウイルス情報作成依頼", description: "ウイルス情報の作成を依頼したい場合。" },
      [FileAction.REPORT_CLEANUP_FAILURE]: { label: "駆除失敗", description: "適切に駆除ができていないファイルの場合。" },
    },
    attkAction: {
      [AttkAction.REQUEST_LOG_REANALYSIS]: {
        label: "ウイルス対策ツールキット (ATTK)収集ログの再解析",
        description: "再度ウイルス対策ツールキット (ATTK)収集結果の解析を依頼する場合。依頼理由などをコメントに入力してください。",
      },
      [AttkAction.COLLECT_MORE_FILES]: { label: "さらにファイルを収集", description: "追加でファイルを収集する場合" },
    },
    analysisRequestState: {
      [AnalysisRequestState.SUBMITTED]: "受付済み",
      [AnalysisRequestState.IN_PROGRESS]: "対応中",
      [AnalysisRequestState.DONE]: "対応済み",
      [AnalysisRequestState.REJECTED]: "対応不可",
    },
  },
  en: {
    fileVerdict: { [FileVerdict.NO_PROBLEM]: "No problem", [FileVerdict.DANGEROUS]: "Dangerous", [FileVerdict.ANALYZING]: "Analyzing" },
    urlRating: { [UrlRating.SAFE]: "Safe", [UrlRating.SUSPICIOUS]: "Suspicious", [UrlRating.DANGEROUS]: "Dangerous", [UrlRating.UNRATED]: "Unrated" },
    emailVerdict: { [EmailVerdict.NORMAL]: "Normal", [EmailVerdict.SPAM]: "Spam", [EmailVerdict.UNANALYZABLE]: "Could not be analyzed", [EmailVerdict.ANALYZING]: "Analyzing" },
    fileAction: {
      [FileAction.REQUEST_REANALYSIS]: { label: "Request re-analysis", description: "You want the file analyzed again." },
      [FileAction.REPORT_FALSE_POSITIVE]: { label: "False positive", description: "The file was wrongly judged dangerous." },
      [FileAction.REQUEST_PATTERN_FILE]: { label: "Request pattern file", description: "You want the detection handled by an official pattern file." },
      [FileAction.REQUEST_DETECTION_NAME]: { label: "Request a detection name", description: "You want a detection name set for a file judged dangerous." },
      [FileAction.REQUEST_VIRUS_INFO]: { label: "Request virus information", description: "You want a virus information page written." },
      [FileAction.REPORT_CLEANUP_FAILURE]: { label: "Cleanup failed", description: "The file could not be cleaned properly." },
    },
    attkAction: {
      [AttkAction.REQUEST_LOG_REANALYSIS]: {
        label: "Re-analyze the Anti-Threat Toolkit (ATTK) collection log",
        description: "You want the Anti-Threat Toolkit (ATTK) collection analyzed again. Give your reason in the comment.",
      },
      [AttkAction.COLLECT_MORE_FILES]: { label: "Collect more files", description: "You want more files collected." },
    },
    analysisRequestState: {
      [AnalysisRequestState.SUBMITTED]: "Received",
      [AnalysisRequestState.IN_PROGRESS]: "In progress",
      [AnalysisRequestState.DONE]: "Done",
      [AnalysisRequestState.REJECTED]: "Rejected",
    },
  },
};

/**
 * The words of a case activity's `action` and `state` details, in every locale, added to the details
 * as `actionLabel.<locale>` and `stateLabel.<locale>`: the cases subgraph writes mail about threat
 * requests with them, so a mail names a button exactly as the vocabulary does, from this one source.
 */
export function activityWords(kind: CaseActivityKind, details: Record<string, string | null>): Record<string, string> {
  const words: Record<string, string> = {};
  const stateValue = details.state ?? (kind === CaseActivityKind.REQUEST_MADE ? AnalysisRequestState.SUBMITTED : kind === CaseActivityKind.REQUEST_STARTED ? AnalysisRequestState.IN_PROGRESS : null);
  for (const locale of Object.keys(THREAT_WORDS) as Locale[]) {
    const w = THREAT_WORDS[locale];
    const action = details.action ? (w.fileAction[details.action as FileAction] ?? w.attkAction[details.action as AttkAction]) : undefined;
    if (action) words[`actionLabel.${locale}`] = action.label;
    const state = stateValue ? w.analysisRequestState[stateValue as AnalysisRequestState] : undefined;
    if (state) words[`stateLabel.${locale}`] = state;
  }
  return words;
}
