import { ActorRole } from "../../kit/actor.js";
import { CaseSubStatus, Severity } from "../case/case.enums.js";
import { NotificationKind } from "./notification.entity.js";

/** Languages of case e-mails; an organization's `locale` picks one (Japanese unless it says English). */
export type MailLocale = "ja" | "en";

export function mailLocale(organizationLocale: string | null | undefined): MailLocale {
  return organizationLocale?.toLowerCase().startsWith("en") ? "en" : "ja";
}

/** Every word a case e-mail uses, per language. Sub-status names are the portal's (docs/domain.md). */
export interface MailLabels {
  headline: Record<NotificationKind, string>;
  intro: (kind: NotificationKind, caseNumber: string, title: string) => string;
  subStatus: Record<CaseSubStatus, string>;
  severity: Record<Severity, string>;
  role: Record<ActorRole, string>;
  /** 深刻度 on product cases, 緊急度 ("urgency") on threat cases, as the portal says. */
  severityField: (threat: boolean) => string;
  caseNumber: string;
  title: string;
  changedBy: string;
  changedAt: string;
  before: string;
  after: string;
  comment: string;
  closingReason: string;
  updateBy: (name: string, role: string) => string;
  autoClosed: string;
  reopenHint: string;
  openCase: string;
  footer: string;
  formatDate: (at: Date) => string;
}

const JA_DATE = new Intl.DateTimeFormat("ja-JP", { timeZone: "Asia/Tokyo", dateStyle: "medium", timeStyle: "short" });
const EN_DATE = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", dateStyle: "medium", timeStyle: "short" });

export const LABELS: Record<MailLocale, MailLabels> = {
  ja: {
    headline: {
      [NotificationKind.CASE_REGISTERED]: "ケースを受け付けました",
      [NotificationKind.CASE_UPDATED]: "ケースが更新されました",
      [NotificationKind.CASE_REOPENED]: "ケースが再オープンされました",
      [NotificationKind.SUB_STATUS_CHANGED]: "サブステータスが変更されました",
      [NotificationKind.SEVERITY_CHANGED]: "深刻度が変更されました",
      [NotificationKind.CASE_CLOSED]: "ケースがクローズされました",
    },
    intro: (kind, caseNumber, title) =>
      ({
        [NotificationKind.CASE_REGISTERED]: `お問い合わせを受け付けました。ケース番号は ${caseNumber}（${title}）です。`,
        [NotificationKind.CASE_UPDATED]: `ケース ${caseNumber}（${title}）に更新が投稿されました。`,
        [NotificationKind.CASE_REOPENED]: `ケース ${caseNumber}（${title}）が再オープンされました。`,
        [NotificationKind.SUB_STATUS_CHANGED]: `ケース ${caseNumber}（${title}）のサブステータスが変更されました。`,
        [NotificationKind.SEVERITY_CHANGED]: `ケース ${caseNumber}（${title}）の深刻度が変更されました。`,
        [NotificationKind.CASE_CLOSED]: `ケース ${caseNumber}（${title}）はクローズされました。`,
      })[kind],
    subStatus: {
      [CaseSubStatus.RECEIVED]: "受付済み",
      [CaseSubStatus.IN_PROGRESS]: "対応中",
      [CaseSubStatus.INFORMATION_REQUESTED]: "情報提供依頼",
      [CaseSubStatus.SOLUTION_PROVIDED]: "ソリューション提供済み",
      [CaseSubStatus.ESCALATED]: "エスカレーション中",
      [CaseSubStatus.CUSTOMER_UPDATED]: "お客さまによるアップデート",
      [CaseSubStatus.RESOLVED]: "解決済み",
      [CaseSubStatus.NO_CUSTOMER_RESPONSE]: "お客さまからの連絡なし",
      [CaseSubStatus.CLOSE_AGREED]: "クローズ合意済み",
      [CaseSubStatus.CLOSED_BY_CUSTOMER]: "お客さまによるクローズ",
      [CaseSubStatus.OUT_OF_SCOPE]: "サポート対象外",
    },
    severity: { [Severity.CRITICAL]: "重大 (CRITICAL)", [Severity.HIGH]: "高 (HIGH)", [Severity.MEDIUM]: "中 (MEDIUM)", [Severity.LOW]: "低 (LOW)" },
    role: { [ActorRole.CUSTOMER]: "お客さま", [ActorRole.PARTNER]: "パートナー", [ActorRole.ENGINEER]: "サポートエンジニア", [ActorRole.SYSTEM]: "自動処理" },
    severityField: (threat) => (threat ? "緊急度" : "深刻度"),
    caseNumber: "ケース番号",
    title: "件名",
    changedBy: "変更者",
    changedAt: "日時",
    before: "変更前",
    after: "変更後",
    comment: "コメント",
    closingReason: "クローズ理由",
    updateBy: (name, role) => `${name} さま（${role}）からの更新内容`,
    autoClosed: "ソリューションのご提供後、一定期間お客さまからのご連絡がなかったため、このケースは自動的にクローズされました。",
    reopenHint: "引き続きサポートが必要な場合は、ポータルでケースを更新し、再オープンをご依頼ください。",
    openCase: "ポータルでケースを表示",
    footer: "このメールは送信専用アドレスから送信されています。ご返信いただいてもお答えできませんので、ご連絡はポータルでケースを更新してください。",
    formatDate: (at) => `${JA_DATE.format(at)} (JST)`,
  },
  en: {
    headline: {
      [NotificationKind.CASE_REGISTERED]: "Case registered",
      [NotificationKind.CASE_UPDATED]: "Case updated",
      [NotificationKind.CASE_REOPENED]: "Case reopened",
      [NotificationKind.SUB_STATUS_CHANGED]: "Sub-status changed",
      [NotificationKind.SEVERITY_CHANGED]: "Severity changed",
      [NotificationKind.CASE_CLOSED]: "Case closed",
    },
    intro: (kind, caseNumber, title) =>
      ({
        [NotificationKind.CASE_REGISTERED]: `We have received your inquiry. Its case number is ${caseNumber} (${title}).`,
        [NotificationKind.CASE_UPDATED]: `An update was posted to case ${caseNumber} (${title}).`,
        [NotificationKind.CASE_REOPENED]: `Case ${caseNumber} (${title}) was reopened.`,
        [NotificationKind.SUB_STATUS_CHANGED]: `The sub-status of case ${caseNumber} (${title}) changed.`,
        [NotificationKind.SEVERITY_CHANGED]: `The severity of case ${caseNumber} (${title}) changed.`,
        [NotificationKind.CASE_CLOSED]: `Case ${caseNumber} (${title}) was closed.`,
      })[kind],
    subStatus: {
      [CaseSubStatus.RECEIVED]: "Received",
      [CaseSubStatus.IN_PROGRESS]: "In progress",
      [CaseSubStatus.INFORMATION_REQUESTED]: "Information requested",
      [CaseSubStatus.SOLUTION_PROVIDED]: "Solution provided",
      [CaseSubStatus.ESCALATED]: "Escalated",
      [CaseSubStatus.CUSTOMER_UPDATED]: "Customer updated",
      [CaseSubStatus.RESOLVED]: "Resolved",
      [CaseSubStatus.NO_CUSTOMER_RESPONSE]: "No customer response",
      [CaseSubStatus.CLOSE_AGREED]: "Close agreed",
      [CaseSubStatus.CLOSED_BY_CUSTOMER]: "Closed by customer",
      [CaseSubStatus.OUT_OF_SCOPE]: "Out of scope",
    },
    severity: { [Severity.CRITICAL]: "Critical", [Severity.HIGH]: "High", [Severity.MEDIUM]: "Medium", [Severity.LOW]: "Low" },
    role: { [ActorRole.CUSTOMER]: "customer", [ActorRole.PARTNER]: "partner", [ActorRole.ENGINEER]: "support engineer", [ActorRole.SYSTEM]: "automatic" },
    severityField: (threat) => (threat ? "Urgency" : "Severity"),
    caseNumber: "Case number",
    title: "Title",
    changedBy: "Changed by",
    changedAt: "When",
    before: "Before",
    after: "After",
    comment: "Comment",
    closingReason: "Closing reason",
    updateBy: (name, role) => `Update from ${name} (${role})`,
    autoClosed: "This case was closed automatically because we did not hear back from you for a while after a solution was provided.",
    reopenHint: "If you still need help, post a case update in the portal and ask for the case to be reopened.",
    openCase: "Open the case in the portal",
    footer: "This message was sent from an address that cannot receive replies. To contact us, update the case in the portal.",
    formatDate: (at) => `${EN_DATE.format(at)} UTC`,
  },
};
