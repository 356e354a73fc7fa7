import { ActorRole } from "../../kit/actor.js";
import type { Locale, Word } from "../../kit/locale.js";
import { CaseField, CaseStatus, CaseSubStatus, InquiryType, Severity, ThreatCategory } from "../case/case.enums.js";

/** One severity level of the guide (深刻度説明 / 緊急度説明): its name and the page's points, in order. */
export interface SeverityWord {
  label: string;
  points: readonly string[];
}

/** The words around the severity field, which the portal calls 深刻度 on product cases and 緊急度 on threat cases. */
export interface SeverityFieldWords {
  /** The field's name: 深刻度 / 緊急度. */
  fieldLabel: string;
  /** The guide's title: 深刻度説明 / 緊急度説明. */
  title: string;
  /** What the customer may do with the field. */
  description: string;
  /** What CRITICAL and HIGH need (rule 5). */
  hint: string;
}

/**
 * Every word of the cases subgraph's enums, in each locale: the one source of the `Vocabulary` query
 * and of the case e-mails (notification.labels.ts), so that web, mobile and mail say the same words.
 * The Japanese ones are the support portal page's own where it has them.
 */
export interface CaseWords {
  caseStatus: Record<CaseStatus, string>;
  subStatus: Record<CaseSubStatus, Word & { description: string }>;
  severity: Record<Severity, SeverityWord>;
  severityField: Record<InquiryType, SeverityFieldWords>;
  inquiryType: Record<InquiryType, string>;
  threatCategory: Record<ThreatCategory, string>;
  caseField: Record<CaseField, Word>;
  actorRole: Record<ActorRole, string>;
}

/** The page writes the same sentence under 深刻度 and 緊急度. */
const JA_SEVERITY_DESCRIPTION = "業務などへの影響等に応じて問い合わせの緊急度を変更できます。";
const EN_SEVERITY_DESCRIPTION = "You can change the urgency of the inquiry according to its impact on your business.";

export const CASE_WORDS: Record<Locale, CaseWords> = {
  ja: {
    // The page's status column says Open and Close.
    caseStatus: { [CaseStatus.OPEN]: "Open", [CaseStatus.CLOSED]: "Close" },
    subStatus: {
      [CaseSubStatus.RECEIVED]: { label: "受付済み", description: "新規にケースが作成された状態" },
      [CaseSubStatus.IN_PROGRESS]: { label: "対応中", description: "エンジニアによってケースの対応を行っている状態" },
      [CaseSubStatus.INFORMATION_REQUESTED]: { label: "情報提供依頼", description: "お客さまによる追加の情報が必要な状態" },
      [CaseSubStatus.SOLUTION_PROVIDED]: { label: "ソリューション提供済み", description: "エンジニアによる回答済みで、お客さまの検証を待っている状態" },
      [CaseSubStatus.ESCALATED]: { label: "エスカレーション中", description: "弊社社内で、適切なエンジニアにエスカレーションをしている状態" },
      [CaseSubStatus.CUSTOMER_UPDATED]: { label: "お客さまによるアップデート", description: "お客さまによるケースのアップデートがなされた状態" },
      [CaseSubStatus.RESOLVED]: { label: "解決済み", description: "問題が解決した状態" },
      [CaseSubStatus.NO_CUSTOMER_RESPONSE]: { label: "お客さまからの連絡なし", description: "エンジニアからの回答を行った後、お客様からの連絡がない状態" },
      [CaseSubStatus.CLOSE_AGREED]: { label: "クローズ合意済み", description: "お客さまにてクローズに了承いただいた状態" },
      [CaseSubStatus.CLOSED_BY_CUSTOMER]: { label: "お客さまによるクローズ", description: "お客さまにてポータル上などでクローズが行われた状態" },
      [CaseSubStatus.OUT_OF_SCOPE]: { label: "サポート対象外", description: "上記以外でクローズが行われた状態。" },
    },
    severity: {
      [Severity.CRITICAL]: {
        label: "クリティカル",
        points: ["当社の主要製品・サービスのオペレーションが一切できない。", "回避策が全くない。", "契約上の重大な問題の可能性がある。"],
      },
      [Severity.HIGH]: { label: "高", points: ["当社製品・サービスに重度のパフォーマンスやオペレーションの問題がある。", "多くの業務を阻害する。"] },
      [Severity.MEDIUM]: {
        label: "中",
        points: ["オペレーションは可能だが、当社製品・サービスの主要サービスや機能に問題がある。", "説明の通りに当社製品の主要サービスや機能が動作しない。", "たまに業務を阻害する。", "回避策がある。"],
      },
      [Severity.LOW]: { label: "低", points: ["業務に影響がほぼない。", "製品使用にほぼ影響がない。"] },
    },
    severityField: {
      [InquiryType.PRODUCT]: { fieldLabel: "深刻度", title: "深刻度説明", description: JA_SEVERITY_DESCRIPTION, hint: "深刻度がクリティカル・高の場合にはどのような影響があるのかを記載してください。" },
      [InquiryType.THREAT]: { fieldLabel: "緊急度", title: "緊急度説明", description: JA_SEVERITY_DESCRIPTION, hint: "緊急度がクリティカル・高の場合にはどのような影響があるのかを記載してください。" },
    },
    inquiryType: { [InquiryType.PRODUCT]: "製品関連", [InquiryType.THREAT]: "脅威関連" },
    threatCategory: {
      [ThreatCategory.INFECTION_ANALYSIS]: "感染もしくは感染疑いのファイル解析依頼",
      [ThreatCategory.FALSE_POSITIVE_ANALYSIS]: "誤警告疑いのファイル解析依頼",
      [ThreatCategory.URL_ANALYSIS]: "不審なURLの解析依頼",
      [ThreatCategory.EMAIL_ANALYSIS]: "スパムメール・不審なメールの解析依頼",
      [ThreatCategory.OTHER]: "その他の脅威に関する問い合わせ",
    },
    caseField: {
      [CaseField.STATUS]: { label: "ステータス", description: "問い合わせをクローズする場合には「クローズ」に変更できます。" },
      [CaseField.SEVERITY]: { label: "深刻度", description: JA_SEVERITY_DESCRIPTION },
      [CaseField.CC_EMAILS]: {
        label: "CCに追加するEメール",
        description: "問い合わせの更新内容を知らせたいEメールアドレスを入力します。複数入力したい場合、Eメールアドレスごとに改行してください。",
      },
      [CaseField.BUSINESS_IMPACT]: { label: "業務への影響", description: "業務への影響内容に変更があった場合には修正いただけます。" },
    },
    actorRole: { [ActorRole.CUSTOMER]: "お客さま", [ActorRole.PARTNER]: "パートナー", [ActorRole.ENGINEER]: "サポートエンジニア", [ActorRole.SYSTEM]: "自動処理" },
  },
  en: {
    caseStatus: { [CaseStatus.OPEN]: "Open", [CaseStatus.CLOSED]: "Closed" },
    subStatus: {
      [CaseSubStatus.RECEIVED]: { label: "Received", description: "A new case was created." },
      [CaseSubStatus.IN_PROGRESS]: { label: "In progress", description: "An engineer is working on the case." },
      [CaseSubStatus.INFORMATION_REQUESTED]: { label: "Information requested", description: "More information from you is needed." },
      [CaseSubStatus.SOLUTION_PROVIDED]: { label: "Solution provided", description: "An engineer has answered and is waiting for you to verify the solution." },
      [CaseSubStatus.ESCALATED]: { label: "Escalated", description: "The case is being escalated internally to the right engineer." },
      [CaseSubStatus.CUSTOMER_UPDATED]: { label: "Customer updated", description: "You have updated the case." },
      [CaseSubStatus.RESOLVED]: { label: "Resolved", description: "The problem is solved." },
      [CaseSubStatus.NO_CUSTOMER_RESPONSE]: { label: "No customer response", description: "An engineer answered and we have not heard back from you since." },
      [CaseSubStatus.CLOSE_AGREED]: { label: "Close agreed", description: "You agreed to close the case." },
      [CaseSubStatus.CLOSED_BY_CUSTOMER]: { label: "Closed by customer", description: "You closed the case, in the portal or otherwise." },
      [CaseSubStatus.OUT_OF_SCOPE]: { label: "Out of scope", description: "The case was closed for a reason other than the above." },
    },
    severity: {
      [Severity.CRITICAL]: {
        label: "Critical",
        points: ["Our main products or services cannot be operated at all.", "There is no workaround at all.", "There may be a serious contractual problem."],
      },
      [Severity.HIGH]: { label: "High", points: ["Our products or services have a severe performance or operational problem.", "Much of the business is blocked."] },
      [Severity.MEDIUM]: {
        label: "Medium",
        points: [
          "Operation is possible, but a main service or function of our products or services has a problem.",
          "A main service or function of one of our products does not work as described.",
          "The business is blocked now and then.",
          "A workaround exists.",
        ],
      },
      [Severity.LOW]: { label: "Low", points: ["Almost no impact on the business.", "Almost no impact on the use of the product."] },
    },
    severityField: {
      [InquiryType.PRODUCT]: { fieldLabel: "Severity", title: "Severity levels", description: EN_SEVERITY_DESCRIPTION, hint: "For a Critical or High severity, describe the impact on your business." },
      [InquiryType.THREAT]: { fieldLabel: "Urgency", title: "Urgency levels", description: EN_SEVERITY_DESCRIPTION, hint: "For a Critical or High urgency, describe the impact on your business." },
    },
    inquiryType: { [InquiryType.PRODUCT]: "Product", [InquiryType.THREAT]: "Threat" },
    threatCategory: {
      [ThreatCategory.INFECTION_ANALYSIS]: "Infected or suspected infected file analysis",
      [ThreatCategory.FALSE_POSITIVE_ANALYSIS]: "False-positive suspected file analysis",
      [ThreatCategory.URL_ANALYSIS]: "Suspicious URL analysis",
      [ThreatCategory.EMAIL_ANALYSIS]: "Spam or suspicious e-mail analysis",
      [ThreatCategory.OTHER]: "Other threat inquiry",
    },
    caseField: {
      [CaseField.STATUS]: { label: "Status", description: "To close the inquiry, change it to Closed." },
      [CaseField.SEVERITY]: { label: "Severity", description: EN_SEVERITY_DESCRIPTION },
      [CaseField.CC_EMAILS]: { label: "CC e-mail addresses", description: "Addresses that should hear about updates of the inquiry, one per line." },
      [CaseField.BUSINESS_IMPACT]: { label: "Business impact", description: "Correct it when the impact on your business changes." },
    },
    actorRole: { [ActorRole.CUSTOMER]: "customer", [ActorRole.PARTNER]: "partner", [ActorRole.ENGINEER]: "support engineer", [ActorRole.SYSTEM]: "automatic" },
  },
};
