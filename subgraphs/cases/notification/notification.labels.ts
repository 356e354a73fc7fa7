import type { ActorRole } from "../../kit/actor.js";
import { type Locale, labelsOf } from "../../kit/locale.js";
import { type CaseSubStatus, InquiryType, type Severity } from "../case/case.enums.js";
import { CASE_WORDS } from "../vocabulary/case-words.js";
import { NotificationKind } from "./notification.entity.js";

/** Languages of case e-mails; an organization's `locale` picks one (Japanese unless it says English). */
export type MailLocale = Locale;

export function mailLocale(organizationLocale: string | null | undefined): MailLocale {
  return organizationLocale?.toLowerCase().startsWith("en") ? "en" : "ja";
}

/**
 * Every word a case e-mail uses, per language. The names of sub-statuses, severities, roles and the
 * severity field come from the vocabulary (vocabulary/case-words.ts), the words clients show too.
 */
export interface MailLabels {
  headline: Record<NotificationKind, string>;
  intro: (kind: NotificationKind, caseNumber: string, title: string) => string;
  subStatus: Record<CaseSubStatus, string>;
  severity: Record<Severity, string>;
  role: Record<ActorRole, string>;
  /** 深刻度 on product cases, 緊急度 ("urgency") on threat cases, as the portal says. */
  severityField: (threat: boolean) => string;
  /** Headline and intro of a SEVERITY_CHANGED mail, which name the field as the case's inquiry type does. */
  severityChanged: (threat: boolean, caseNumber: string, title: string) => { headline: string; intro: string };
  /** Who registered a case on the registrant's behalf (an engineer or a partner). */
  registeredBy: string;
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
  /** Requests on threat analysis results (the THREAT_REQUEST_* mails): the facts' labels. The names of the actions and states come with the activity, in the threat-analysis subgraph's own words. */
  threatRequest: ThreatRequestLabels;
}

export interface ThreatRequestLabels {
  request: string;
  subject: string;
  state: string;
  response: string;
  outcome: string;
  requestedBy: string;
  handledBy: string;
}

const severityFieldOf = (locale: Locale, threat: boolean) => CASE_WORDS[locale].severityField[threat ? InquiryType.THREAT : InquiryType.PRODUCT].fieldLabel;

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
      [NotificationKind.THREAT_REQUEST_MADE]: "解析結果へのご依頼を受け付けました",
      [NotificationKind.THREAT_REQUEST_STARTED]: "ご依頼の対応を開始しました",
      [NotificationKind.THREAT_REQUEST_ANSWERED]: "ご依頼に回答しました",
    },
    intro: (kind, caseNumber, title) =>
      ({
        [NotificationKind.CASE_REGISTERED]: `お問い合わせを受け付けました。ケース番号は ${caseNumber}（${title}）です。`,
        [NotificationKind.CASE_UPDATED]: `ケース ${caseNumber}（${title}）に更新が投稿されました。`,
        [NotificationKind.CASE_REOPENED]: `ケース ${caseNumber}（${title}）が再オープンされました。`,
        [NotificationKind.SUB_STATUS_CHANGED]: `ケース ${caseNumber}（${title}）のサブステータスが変更されました。`,
        [NotificationKind.SEVERITY_CHANGED]: `ケース ${caseNumber}（${title}）の深刻度が変更されました。`,
        [NotificationKind.CASE_CLOSED]: `ケース ${caseNumber}（${title}）はクローズされました。`,
        [NotificationKind.THREAT_REQUEST_MADE]: `ケース ${caseNumber}（${title}）の解析結果について、次のご依頼を受け付けました。`,
        [NotificationKind.THREAT_REQUEST_STARTED]: `ケース ${caseNumber}（${title}）の解析結果へのご依頼について、サポートエンジニアが対応を開始しました。`,
        [NotificationKind.THREAT_REQUEST_ANSWERED]: `ケース ${caseNumber}（${title}）の解析結果へのご依頼について、サポートエンジニアが回答しました。`,
      })[kind],
    subStatus: labelsOf(CASE_WORDS.ja.subStatus),
    severity: labelsOf(CASE_WORDS.ja.severity),
    role: CASE_WORDS.ja.actorRole,
    severityField: (threat) => severityFieldOf("ja", threat),
    severityChanged: (threat, caseNumber, title) => ({
      headline: `${severityFieldOf("ja", threat)}が変更されました`,
      intro: `ケース ${caseNumber}（${title}）の${severityFieldOf("ja", threat)}が変更されました。`,
    }),
    registeredBy: "登録者",
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
    threatRequest: {
      request: "ご依頼",
      subject: "対象",
      state: "状態",
      response: "回答",
      outcome: "結果",
      requestedBy: "依頼者",
      handledBy: "担当",
    },
  },
  en: {
    headline: {
      [NotificationKind.CASE_REGISTERED]: "Case registered",
      [NotificationKind.CASE_UPDATED]: "Case updated",
      [NotificationKind.CASE_REOPENED]: "Case reopened",
      [NotificationKind.SUB_STATUS_CHANGED]: "Sub-status changed",
      [NotificationKind.SEVERITY_CHANGED]: "Severity changed",
      [NotificationKind.CASE_CLOSED]: "Case closed",
      [NotificationKind.THREAT_REQUEST_MADE]: "Request on an analysis result received",
      [NotificationKind.THREAT_REQUEST_STARTED]: "Work on your request started",
      [NotificationKind.THREAT_REQUEST_ANSWERED]: "Your request was answered",
    },
    intro: (kind, caseNumber, title) =>
      ({
        [NotificationKind.CASE_REGISTERED]: `We have received your inquiry. Its case number is ${caseNumber} (${title}).`,
        [NotificationKind.CASE_UPDATED]: `An update was posted to case ${caseNumber} (${title}).`,
        [NotificationKind.CASE_REOPENED]: `Case ${caseNumber} (${title}) was reopened.`,
        [NotificationKind.SUB_STATUS_CHANGED]: `The sub-status of case ${caseNumber} (${title}) changed.`,
        [NotificationKind.SEVERITY_CHANGED]: `The severity of case ${caseNumber} (${title}) changed.`,
        [NotificationKind.CASE_CLOSED]: `Case ${caseNumber} (${title}) was closed.`,
        [NotificationKind.THREAT_REQUEST_MADE]: `We have received the following request on an analysis result of case ${caseNumber} (${title}).`,
        [NotificationKind.THREAT_REQUEST_STARTED]: `A support engineer started working on a request on an analysis result of case ${caseNumber} (${title}).`,
        [NotificationKind.THREAT_REQUEST_ANSWERED]: `A support engineer answered a request on an analysis result of case ${caseNumber} (${title}).`,
      })[kind],
    subStatus: labelsOf(CASE_WORDS.en.subStatus),
    severity: labelsOf(CASE_WORDS.en.severity),
    role: CASE_WORDS.en.actorRole,
    severityField: (threat) => severityFieldOf("en", threat),
    severityChanged: (threat, caseNumber, title) => ({
      headline: `${severityFieldOf("en", threat)} changed`,
      intro: `The ${severityFieldOf("en", threat).toLowerCase()} of case ${caseNumber} (${title}) changed.`,
    }),
    registeredBy: "Registered by",
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
    threatRequest: {
      request: "Request",
      subject: "Subject",
      state: "State",
      response: "Response",
      outcome: "Outcome",
      requestedBy: "Requested by",
      handledBy: "Handled by",
    },
  },
};
