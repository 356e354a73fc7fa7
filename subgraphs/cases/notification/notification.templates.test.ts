import { describe, expect, it } from "vitest";
import { NotificationKind } from "./notification.entity.js";
import { CASE_WORDS } from "../vocabulary/case-words.js";
import { LABELS, mailLocale } from "./notification.labels.js";
import { caseUrl, composeNotificationMail, type NotificationMailInput } from "./notification.templates.js";

const base: NotificationMailInput = {
  kind: NotificationKind.CASE_REGISTERED,
  details: { actorName: "Aiko Tanaka", actorRole: "CUSTOMER" },
  at: new Date("2026-03-02T09:00:00.000Z"),
  caseNumber: "C-2026-000123",
  title: "Agents stop reporting",
  severity: "HIGH",
  threat: false,
  locale: "ja",
  caseUrl: "https://portal.example.com/cases/C-2026-000123",
};
const compose = (input: Partial<NotificationMailInput>) => composeNotificationMail({ ...base, ...input });

describe("case e-mail language", () => {
  it("is Japanese unless the organization's locale says English", () => {
    expect([null, undefined, "", "ja", "ja-JP", "fr"].map(mailLocale)).toEqual(["ja", "ja", "ja", "ja", "ja", "ja"]);
    expect(["en", "en-US", "EN"].map(mailLocale)).toEqual(["en", "en", "en"]);
  });

  it("puts the case number and title in the subject, in either language", () => {
    expect(compose({}).subject).toBe("[C-2026-000123] ケースを受け付けました：Agents stop reporting");
    expect(compose({ locale: "en" }).subject).toBe("[C-2026-000123] Case registered: Agents stop reporting");
  });

  it("shows times in Japan time for Japanese and UTC for English", () => {
    expect(compose({}).text).toContain("日時: 2026/03/02 18:00 (JST)");
    expect(compose({ locale: "en" }).text).toContain("When: 2 Mar 2026, 09:00 UTC");
  });
});

describe("case e-mail content", () => {
  it("links to the case in the portal, keeping the portal's base path", () => {
    expect(caseUrl("https://portal.example.com/support", "C-2026-000123")).toBe("https://portal.example.com/support/cases/C-2026-000123");
    expect(caseUrl("https://portal.example.com/", "C-2026-000123")).toBe("https://portal.example.com/cases/C-2026-000123");
    const mail = compose({});
    expect(mail.text).toContain(base.caseUrl);
    expect(mail.html).toContain(`<a href="${base.caseUrl}">`);
  });

  it("quotes an update's text and names who wrote it", () => {
    const mail = compose({ kind: NotificationKind.CASE_UPDATED, locale: "en", details: { actorName: "Kenji Sato", actorRole: "ENGINEER", body: "Please send the logs.\nThanks." } });
    expect(mail.subject).toBe("[C-2026-000123] Case updated: Agents stop reporting");
    expect(mail.text).toContain("Update from Kenji Sato (support engineer):\n> Please send the logs.\n> Thanks.");
  });

  it("shows sub-status and severity changes as before and after, with the portal's names", () => {
    const subStatus = compose({ kind: NotificationKind.SUB_STATUS_CHANGED, details: { actorName: "Kenji Sato", actorRole: "ENGINEER", oldValue: "RECEIVED", newValue: "INFORMATION_REQUESTED", comment: "Need logs" } });
    expect(subStatus.text).toContain("変更前: 受付済み\n変更後: 情報提供依頼\nコメント: Need logs\n変更者: Kenji Sato (サポートエンジニア)");
    const severity = compose({ kind: NotificationKind.SEVERITY_CHANGED, locale: "en", details: { actorName: "Aiko Tanaka", actorRole: "CUSTOMER", oldValue: "MEDIUM", newValue: "CRITICAL" } });
    expect(severity.text).toContain("Severity (Before): Medium\nSeverity (After): Critical");
    expect(compose({ kind: NotificationKind.SEVERITY_CHANGED, threat: true, details: { oldValue: "LOW", newValue: "HIGH" } }).text).toContain("緊急度 (変更後): 高");
  });

  it("names severities as the portal does (クリティカル, not 重大) and calls the field 緊急度 on threat cases, in the subject and intro too", () => {
    const registered = compose({ severity: "CRITICAL" });
    expect(registered.text).toContain("深刻度: クリティカル\n");
    expect(registered.text).not.toContain("重大");
    expect(compose({ severity: "CRITICAL", threat: true }).text).toContain("緊急度: クリティカル\n");
    const threat = compose({ kind: NotificationKind.SEVERITY_CHANGED, threat: true, details: { oldValue: "LOW", newValue: "CRITICAL" } });
    expect(threat.subject).toBe("[C-2026-000123] 緊急度が変更されました：Agents stop reporting");
    expect(threat.text).toContain("ケース C-2026-000123（Agents stop reporting）の緊急度が変更されました。");
    expect(threat.text).not.toContain("深刻度");
    const product = compose({ kind: NotificationKind.SEVERITY_CHANGED, locale: "en", details: { oldValue: "LOW", newValue: "HIGH" } });
    expect(product.subject).toBe("[C-2026-000123] Severity changed: Agents stop reporting");
    expect(compose({ kind: NotificationKind.SEVERITY_CHANGED, locale: "en", threat: true, details: { oldValue: "LOW", newValue: "HIGH" } }).subject).toBe("[C-2026-000123] Urgency changed: Agents stop reporting");
  });

  it("takes sub-status, severity and role names from the vocabulary, the words clients show", () => {
    for (const locale of ["ja", "en"] as const) {
      for (const [value, word] of Object.entries(CASE_WORDS[locale].subStatus)) expect(LABELS[locale].subStatus[value as keyof typeof LABELS.ja.subStatus]).toBe(word.label);
      for (const [value, word] of Object.entries(CASE_WORDS[locale].severity)) expect(LABELS[locale].severity[value as keyof typeof LABELS.ja.severity]).toBe(word.label);
      expect(LABELS[locale].role).toBe(CASE_WORDS[locale].actorRole);
      expect(LABELS[locale].severityField(true)).toBe(CASE_WORDS[locale].severityField.THREAT.fieldLabel);
      expect(LABELS[locale].severityField(false)).toBe(CASE_WORDS[locale].severityField.PRODUCT.fieldLabel);
    }
  });

  it("says who registered a case on the registrant's behalf, and nothing of the kind when they registered it themselves", () => {
    const onBehalf = compose({ details: { actorName: "Peter Gibbons", actorRole: "PARTNER", onBehalf: "true" } });
    expect(onBehalf.text).toContain("登録者: Peter Gibbons (パートナー)");
    expect(compose({ locale: "en", details: { actorName: "Kenji Sato", actorRole: "ENGINEER", onBehalf: "true" } }).text).toContain("Registered by: Kenji Sato (support engineer)");
    expect(compose({}).text).not.toContain("登録者");
  });

  it("gives the closing reason, says when the close was automatic, and how to reopen", () => {
    const automatic = compose({ kind: NotificationKind.CASE_CLOSED, details: { actorName: "casegraph", actorRole: "SYSTEM", newValue: "NO_CUSTOMER_RESPONSE", automatic: "true" } });
    expect(automatic.text).toContain("クローズ理由: お客さまからの連絡なし");
    expect(automatic.text).toContain(LABELS.ja.autoClosed);
    expect(automatic.text).toContain(LABELS.ja.reopenHint);
    expect(automatic.text).not.toContain("変更者");
    const byEngineer = compose({ kind: NotificationKind.CASE_CLOSED, locale: "en", details: { actorName: "Kenji Sato", actorRole: "ENGINEER", newValue: "RESOLVED", comment: "Fixed in 14.0.1" } });
    expect(byEngineer.text).toContain("Closing reason: Resolved\nComment: Fixed in 14.0.1\nChanged by: Kenji Sato (support engineer)");
    expect(byEngineer.text).not.toContain(LABELS.en.autoClosed);
  });

  it("escapes HTML in titles, update texts and names, and keeps the plain text as written", () => {
    const mail = compose({
      kind: NotificationKind.CASE_UPDATED,
      title: `<img src=x onerror="alert(1)">`,
      details: { actorName: "Eve <eve@evil.example>", actorRole: "CUSTOMER", body: `<script>alert('x')</script> & "more"` },
    });
    expect(mail.html).not.toMatch(/<script|<img|onerror="/);
    expect(mail.html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;");
    expect(mail.html).toContain("Eve &lt;eve@evil.example&gt;");
    expect(mail.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(mail.text).toContain(`> <script>alert('x')</script> & "more"`);
  });

  it("keeps the subject on one line whatever the title contains", () => {
    const subject = compose({ title: "Broken\r\nBcc: victim@example.com" }).subject;
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe("[C-2026-000123] ケースを受け付けました：Broken Bcc: victim@example.com");
  });
});
