import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../kit/principal.js";
import { NotificationKind } from "../notification/notification.entity.js";
import { CaseField, CaseStatus, InquiryType, Severity, ThreatCategory } from "./case.enums.js";
import * as rules from "./case.rules.js";

const customer: Principal = { kind: "user", id: "u", name: "U", role: "customer", organizationIds: ["acme"], scopes: ["cases:read", "cases:write"] };
const readOnlyKey: Principal = { kind: "apiKey", id: "k", name: "K", role: "partner", organizationIds: ["acme"], scopes: ["cases:read"] };

describe("case rules", () => {
  it("de-duplicates CC addresses case-insensitively, keeping the first spelling and the order", () => {
    fc.assert(
      fc.property(fc.array(fc.emailAddress(), { maxLength: 10 }), (addresses) => {
        const mixed = addresses.flatMap((a) => [a, a.toUpperCase()]);
        const result = rules.normalizeCcEmails(mixed);
        expect(new Set(result.map((a) => a.toLowerCase())).size).toBe(result.length);
        expect(result.map((a) => a.toLowerCase())).toEqual([...new Set(addresses.map((a) => a.toLowerCase()))]);
      }),
    );
  });

  it("refuses malformed addresses and more than 20 distinct ones", () => {
    for (const bad of ["plain", "a@", "@b.example", "a b@c.example", "a@b", "x@-bad-.example"]) {
      expect(() => rules.normalizeCcEmails([bad]), bad).toThrow(/not an e-mail address/);
    }
    const twenty = Array.from({ length: 20 }, (_, i) => `u${i}@acme.example`);
    expect(rules.normalizeCcEmails([...twenty, "U0@ACME.EXAMPLE"])).toHaveLength(20);
    expect(() => rules.normalizeCcEmails([...twenty, "u20@acme.example"])).toThrow(/at most 20/);
  });

  it("requires a business impact for CRITICAL and HIGH only", () => {
    for (const severity of [Severity.CRITICAL, Severity.HIGH]) {
      for (const impact of [null, undefined, "", "  \n"]) expect(() => rules.requireBusinessImpact(severity, impact)).toThrow(/business impact/);
      expect(() => rules.requireBusinessImpact(severity, "Orders stopped")).not.toThrow();
    }
    for (const severity of [Severity.MEDIUM, Severity.LOW]) expect(() => rules.requireBusinessImpact(severity, null)).not.toThrow();
  });

  it("sends registration and closing mails to the registrant only, everything else to registrant and CC once", () => {
    const cc = ["a@x.example", "Customer@acme.example", "b@x.example"];
    expect(rules.notificationRecipients(NotificationKind.CASE_REGISTERED, "customer@acme.example", cc)).toEqual(["customer@acme.example"]);
    expect(rules.notificationRecipients(NotificationKind.CASE_CLOSED, "customer@acme.example", cc)).toEqual(["customer@acme.example"]);
    for (const kind of [NotificationKind.CASE_UPDATED, NotificationKind.SUB_STATUS_CHANGED, NotificationKind.SEVERITY_CHANGED, NotificationKind.CASE_REOPENED]) {
      expect(rules.notificationRecipients(kind, "customer@acme.example", cc)).toEqual(["customer@acme.example", "a@x.example", "b@x.example"]);
    }
    expect(rules.notificationRecipients(NotificationKind.CASE_UPDATED, null, cc)).toEqual(cc);
  });

  it("offers no pencil icon on a closed case or without cases:write", () => {
    expect(rules.editableFields(customer, CaseStatus.OPEN)).toEqual([CaseField.STATUS, CaseField.SEVERITY, CaseField.CC_EMAILS, CaseField.BUSINESS_IMPACT]);
    expect(rules.editableFields(customer, CaseStatus.CLOSED)).toEqual([]);
    expect(rules.editableFields(readOnlyKey, CaseStatus.OPEN)).toEqual([]);
  });

  it("takes a problem category of the case's inquiry type only, and on THREAT cases makes it one fact with the threat category", () => {
    const field = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as { extensions: { field: string } }).extensions.field;
      }
      return null;
    };
    expect(rules.categoriesOfNewCase(InquiryType.PRODUCT, " MALFUNCTION ", null)).toEqual({ problemCategory: "MALFUNCTION", threatCategory: null });
    expect(rules.categoriesOfNewCase(InquiryType.THREAT, null, ThreatCategory.OTHER)).toEqual({ problemCategory: "OTHER", threatCategory: ThreatCategory.OTHER });
    expect(rules.categoriesOfNewCase(InquiryType.THREAT, "URL_ANALYSIS", null)).toEqual({ problemCategory: "URL_ANALYSIS", threatCategory: ThreatCategory.URL_ANALYSIS });
    expect(rules.categoriesOfNewCase(InquiryType.THREAT, "URL_ANALYSIS", ThreatCategory.URL_ANALYSIS)).toEqual({ problemCategory: "URL_ANALYSIS", threatCategory: ThreatCategory.URL_ANALYSIS });
    expect(field(() => rules.categoriesOfNewCase(InquiryType.THREAT, null, null))).toBe("threatCategory");
    expect(field(() => rules.categoriesOfNewCase(InquiryType.THREAT, "URL_ANALYSIS", ThreatCategory.OTHER))).toBe("problemCategory");
    expect(field(() => rules.categoriesOfNewCase(InquiryType.THREAT, "MALFUNCTION", null))).toBe("problemCategory");
    expect(field(() => rules.categoriesOfNewCase(InquiryType.PRODUCT, null, null))).toBe("problemCategory");
    expect(field(() => rules.categoriesOfNewCase(InquiryType.PRODUCT, "Agent communication", null))).toBe("problemCategory");
    expect(field(() => rules.categoriesOfNewCase(InquiryType.PRODUCT, "INFECTION_ANALYSIS", null))).toBe("problemCategory");
    expect(field(() => rules.categoriesOfNewCase(InquiryType.PRODUCT, "MALFUNCTION", ThreatCategory.OTHER))).toBe("threatCategory");
  });

  it("formats case numbers as C-<year>-<6 digits>", () => {
    expect(rules.formatCaseNumber(2026, 123)).toBe("C-2026-000123");
    expect(rules.formatCaseNumber(2027, 1_234_567)).toBe("C-2027-1234567");
  });

  it("counts characters, not UTF-16 units, against text limits", () => {
    expect(rules.requiredText("title", "🔥".repeat(200))).toHaveLength(400);
    expect(() => rules.requiredText("title", "🔥".repeat(201))).toThrow(/at most 200/);
    expect(() => rules.requiredText("title", "a\u0000b")).toThrow(/NUL/);
  });
});
