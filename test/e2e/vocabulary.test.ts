import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotificationKind } from "../../subgraphs/cases/notification/notification.entity.js";
import { LABELS } from "../../subgraphs/cases/notification/notification.labels.js";
import { composeNotificationMail } from "../../subgraphs/cases/notification/notification.templates.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const TERM = "value label description";
const VOCABULARY = `query($locale: String!) {
  vocabulary(locale: $locale) {
    locale
    caseStatuses { ${TERM} }
    caseSubStatuses { value status label description }
    severities { value label points }
    product: severityGuide(inquiryType: PRODUCT) { inquiryType fieldLabel title description hint levels { value label points } }
    threat: severityGuide(inquiryType: THREAT) { inquiryType fieldLabel title description hint levels { value label points } }
    inquiryTypes { ${TERM} }
    threatCategories { ${TERM} }
    caseFields { ${TERM} }
    actorRoles { ${TERM} }
    fileVerdicts { ${TERM} }
    urlRatings { ${TERM} }
    emailVerdicts { ${TERM} }
    fileActions { ${TERM} }
    attkActions { ${TERM} }
    analysisRequestStates { ${TERM} }
  }
}`;

/** Each vocabulary list and the enum of the schema it names. */
const LISTS: Record<string, string> = {
  caseStatuses: "CaseStatus",
  caseSubStatuses: "CaseSubStatus",
  severities: "Severity",
  inquiryTypes: "InquiryType",
  threatCategories: "ThreatCategory",
  caseFields: "CaseField",
  actorRoles: "ActorRole",
  fileVerdicts: "FileVerdict",
  urlRatings: "UrlRating",
  emailVerdicts: "EmailVerdict",
  fileActions: "FileAction",
  attkActions: "AttkAction",
  analysisRequestStates: "AnalysisRequestState",
};

/** The severity guide of the portal's page, word for word. */
const PAGE_SEVERITY_GUIDE = [
  { value: "CRITICAL", label: "クリティカル", points: ["当社の主要製品・サービスのオペレーションが一切できない。", "回避策が全くない。", "契約上の重大な問題の可能性がある。"] },
  { value: "HIGH", label: "高", points: ["当社製品・サービスに重度のパフォーマンスやオペレーションの問題がある。", "多くの業務を阻害する。"] },
  {
    value: "MEDIUM",
    label: "中",
    points: ["オペレーションは可能だが、当社製品・サービスの主要サービスや機能に問題がある。", "説明の通りに当社製品の主要サービスや機能が動作しない。", "たまに業務を阻害する。", "回避策がある。"],
  },
  { value: "LOW", label: "低", points: ["業務に影響がほぼない。", "製品使用にほぼ影響がない。"] },
];

/** The page's sub-status table: status, sub-status, ケースの処理状況. */
const PAGE_SUB_STATUSES = [
  ["OPEN", "RECEIVED", "受付済み", "新規にケースが作成された状態"],
  ["OPEN", "IN_PROGRESS", "対応中", "エンジニアによってケースの対応を行っている状態"],
  ["OPEN", "INFORMATION_REQUESTED", "情報提供依頼", "お客さまによる追加の情報が必要な状態"],
  ["OPEN", "SOLUTION_PROVIDED", "ソリューション提供済み", "エンジニアによる回答済みで、お客さまの検証を待っている状態"],
  ["OPEN", "ESCALATED", "エスカレーション中", "弊社社内で、適切なエンジニアにエスカレーションをしている状態"],
  ["OPEN", "CUSTOMER_UPDATED", "お客さまによるアップデート", "お客さまによるケースのアップデートがなされた状態"],
  ["CLOSED", "RESOLVED", "解決済み", "問題が解決した状態"],
  ["CLOSED", "NO_CUSTOMER_RESPONSE", "お客さまからの連絡なし", "エンジニアからの回答を行った後、お客様からの連絡がない状態"],
  ["CLOSED", "CLOSE_AGREED", "クローズ合意済み", "お客さまにてクローズに了承いただいた状態"],
  ["CLOSED", "CLOSED_BY_CUSTOMER", "お客さまによるクローズ", "お客さまにてポータル上などでクローズが行われた状態"],
  ["CLOSED", "OUT_OF_SCOPE", "サポート対象外", "上記以外でクローズが行われた状態。"],
].map(([status, value, label, description]) => ({ value, status, label, description }));

const labels = (terms: { value: string; label: string }[]) => Object.fromEntries(terms.map((t) => [t.value, t.label]));

describe.each(DATABASES)("the vocabulary on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  const words: Record<string, any> = {};

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
    for (const locale of ["ja", "en"]) {
      const response = await graph.request({ query: VOCABULARY, variables: { locale }, token: acme });
      expect(response.errors).toBeUndefined();
      words[locale] = response.data!.vocabulary;
    }
  });
  afterAll(() => graph?.stop());

  it("gives the severity guide of the page: four levels with its points, titled 深刻度説明 on product cases and 緊急度説明 on threat cases", () => {
    const { product, threat, severities } = words.ja;
    expect(product).toMatchObject({ inquiryType: "PRODUCT", fieldLabel: "深刻度", title: "深刻度説明", hint: "深刻度がクリティカル・高の場合にはどのような影響があるのかを記載してください。" });
    expect(threat).toMatchObject({ inquiryType: "THREAT", fieldLabel: "緊急度", title: "緊急度説明", hint: "緊急度がクリティカル・高の場合にはどのような影響があるのかを記載してください。" });
    expect(product.description).toBe("業務などへの影響等に応じて問い合わせの緊急度を変更できます。");
    expect(product.levels).toEqual(PAGE_SEVERITY_GUIDE);
    expect(threat.levels).toEqual(PAGE_SEVERITY_GUIDE);
    expect(severities).toEqual(PAGE_SEVERITY_GUIDE);
    expect(JSON.stringify(words.ja)).not.toContain("重大 ");

    const en = words.en;
    expect([en.product.fieldLabel, en.threat.fieldLabel]).toEqual(["Severity", "Urgency"]);
    expect(en.product.title).not.toBe(en.threat.title);
    expect(en.severities.map((s: any) => [s.value, s.label, s.points.length])).toEqual([
      ["CRITICAL", "Critical", 3],
      ["HIGH", "High", 2],
      ["MEDIUM", "Medium", 4],
      ["LOW", "Low", 2],
    ]);
  });

  it("names the eleven sub-statuses as the page does, each with its status and the page's explanation", () => {
    expect(words.ja.caseSubStatuses).toEqual(PAGE_SUB_STATUSES);
    expect(words.en.caseSubStatuses.map((s: any) => [s.value, s.status])).toEqual(PAGE_SUB_STATUSES.map((s) => [s.value, s.status]));
    expect(labels(words.en.caseSubStatuses)).toMatchObject({ RECEIVED: "Received", NO_CUSTOMER_RESPONSE: "No customer response", OUT_OF_SCOPE: "Out of scope" });
  });

  it("has one entry per value of every enum, in the schema's order, in ja and en, none blank", async () => {
    const types = await graph.request({
      query: `{ ${Object.values(LISTS)
        .map((name) => `${name}: __type(name: "${name}") { enumValues { name } }`)
        .join(" ")} }`,
      token: acme,
    });
    expect(types.errors).toBeUndefined();
    for (const locale of ["ja", "en"]) {
      expect(words[locale].locale).toBe(locale);
      for (const [list, enumName] of Object.entries(LISTS)) {
        const values = types.data![enumName].enumValues.map((v: { name: string }) => v.name);
        expect(
          words[locale][list].map((t: { value: string }) => t.value),
          `${locale} ${list}`,
        ).toEqual(values);
        for (const term of words[locale][list]) expect(term.label.trim(), `${locale} ${list} ${term.value}`).not.toBe("");
      }
    }
    // The two languages really differ where the page has Japanese words.
    expect(labels(words.ja.caseSubStatuses)).not.toEqual(labels(words.en.caseSubStatuses));
  });

  it("serves the threat enums' words (from the threat-analysis subgraph) in the same query, with the result pages' names", () => {
    const ja = words.ja;
    expect(labels(ja.fileVerdicts)).toEqual({ NO_PROBLEM: "問題なし", DANGEROUS: "危険", ANALYZING: "解析中" });
    expect(labels(ja.emailVerdicts)).toMatchObject({ NORMAL: "正常", SPAM: "スパム", UNANALYZABLE: "解析不可" });
    expect(labels(ja.urlRatings)).toMatchObject({ SAFE: "安全", DANGEROUS: "危険" });
    expect(labels(ja.fileActions)).toEqual({
      REQUEST_REANALYSIS: "再解析依頼",
      REPORT_FALSE_POSITIVE: "誤警告",
      REQUEST_PATTERN_FILE: "パターンファイル対応依頼",
      REQUEST_DETECTION_NAME: "ウイルス検出名付与依頼",
      REQUEST_VIRUS_INFO: "ウイルス情報作成依頼",
      REPORT_CLEANUP_FAILURE: "駆除失敗",
    });
    expect(ja.fileActions.find((a: any) => a.value === "REPORT_CLEANUP_FAILURE").description).toBe("適切に駆除ができていないファイルの場合。");
    expect(labels(ja.attkActions)).toEqual({ REQUEST_LOG_REANALYSIS: "ウイルス対策ツールキット (ATTK)収集ログの再解析", COLLECT_MORE_FILES: "さらにファイルを収集" });
    expect(labels(ja.threatCategories)).toMatchObject({ INFECTION_ANALYSIS: "感染もしくは感染疑いのファイル解析依頼", FALSE_POSITIVE_ANALYSIS: "誤警告疑いのファイル解析依頼" });
    expect(labels(ja.inquiryTypes)).toEqual({ PRODUCT: "製品関連", THREAT: "脅威関連" });
    expect(labels(words.en.fileVerdicts)).toEqual({ NO_PROBLEM: "No problem", DANGEROUS: "Dangerous", ANALYZING: "Analyzing" });
  });

  it("is where the case e-mails take their words from: the same sub-status, severity, role and field names", () => {
    for (const locale of ["ja", "en"] as const) {
      const vocabulary = words[locale];
      expect(LABELS[locale].subStatus).toEqual(labels(vocabulary.caseSubStatuses));
      expect(LABELS[locale].severity).toEqual(labels(vocabulary.severities));
      expect(LABELS[locale].role).toEqual(labels(vocabulary.actorRoles));
      expect([LABELS[locale].severityField(false), LABELS[locale].severityField(true)]).toEqual([vocabulary.product.fieldLabel, vocabulary.threat.fieldLabel]);
      const mail = composeNotificationMail({
        kind: NotificationKind.SEVERITY_CHANGED,
        details: { actorName: "Aiko Tanaka", actorRole: "CUSTOMER", oldValue: "LOW", newValue: "CRITICAL" },
        at: new Date("2026-03-02T09:00:00.000Z"),
        caseNumber: "C-2026-000001",
        title: "t",
        severity: "CRITICAL",
        threat: true,
        locale,
        caseUrl: "https://portal.example.com/cases/C-2026-000001",
      });
      expect(mail.text).toContain(`${vocabulary.threat.fieldLabel} (${LABELS[locale].after}): ${labels(vocabulary.severities).CRITICAL}`);
      expect(mail.subject).toContain(vocabulary.threat.fieldLabel);
    }
  });

  it("refuses an unknown locale with BAD_USER_INPUT naming the field", async () => {
    for (const locale of ["fr", "JA", "", "ja-JP"]) {
      const response = await graph.request({ query: "query($l: String!) { vocabulary(locale: $l) { locale } }", variables: { l: locale }, token: acme });
      expect(response.errors?.[0]?.extensions, locale).toMatchObject({ code: "BAD_USER_INPUT", field: "locale" });
      expect(response.data?.vocabulary ?? null).toBeNull();
    }
  });

  it("needs cases:read like every read: a key without it is FORBIDDEN, no credential 401", async () => {
    const writeOnly = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:write"] })).key);
    const refused = await graph.request({ query: '{ vocabulary(locale: "ja") { locale fileVerdicts { label } } }', headers: writeOnly });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(refused.data?.vocabulary ?? null).toBeNull();
    const anonymous = await graph.request({ query: '{ vocabulary(locale: "ja") { locale } }' });
    expect(anonymous.status).toBe(401);
    const reader = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"] })).key);
    const allowed = await graph.request({ query: '{ vocabulary(locale: "en") { caseStatuses { label } fileVerdicts { label } } }', headers: reader });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.vocabulary.fileVerdicts).toHaveLength(3);
  });
});
