import type { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../kit/principal.js";
import { FileVerdict } from "../threat.enums.js";
import { canonicalUrl, fileVerdictOf, LIMITS, requestComment, requireEngineer, requireThreatsWrite, submittedAttachmentIds, submittedUrls } from "./threat-analysis.rules.js";

function failure(run: () => unknown): Record<string, unknown> | undefined {
  try {
    run();
  } catch (error) {
    return (error as GraphQLError).extensions;
  }
  return undefined;
}

const customer: Principal = { kind: "user", id: "c", name: "C", role: "customer", organizationIds: ["acme"], scopes: ["cases:read", "cases:write", "attachments:write", "threats:write"] };
const readOnlyKey: Principal = { kind: "apiKey", id: "k", name: "K", role: "partner", organizationIds: ["acme"], scopes: ["cases:read"] };
const engineer: Principal = { kind: "user", id: "e", name: "E", role: "engineer", organizationIds: null, scopes: ["cases:read", "cases:write", "attachments:write", "threats:write"] };

describe("threat-analysis rules", () => {
  it("lets only engineers record results", () => {
    expect(failure(() => requireEngineer(customer))).toMatchObject({ code: "FORBIDDEN" });
    expect(failure(() => requireEngineer(engineer))).toBeUndefined();
  });

  it("needs the threats:write scope for customer-side requests", () => {
    expect(failure(() => requireThreatsWrite(readOnlyKey))).toMatchObject({ code: "FORBIDDEN" });
    expect(failure(() => requireThreatsWrite(customer))).toBeUndefined();
  });

  it("accepts http and https URLs in canonical form", () => {
    expect(canonicalUrl("urls", " HTTP://Bad.Example:80/a?b=1 ")).toBe("http://bad.example/a?b=1");
    expect(canonicalUrl("urls", "https://x.example")).toBe("https://x.example/");
  });

  it.each(["ftp://x.example/", "javascript:alert(1)", "not a url", "", "http://a b.example/", "file:///etc/passwd", `http://x.example/${"a".repeat(LIMITS.url)}`])(
    "refuses %j as a URL with BAD_USER_INPUT on the field",
    (url) => {
      expect(failure(() => canonicalUrl("urls", url))).toMatchObject({ code: "BAD_USER_INPUT", field: "urls" });
    },
  );

  it("de-duplicates submitted URLs by their canonical form", () => {
    expect(submittedUrls(["http://x.example", "HTTP://X.EXAMPLE/", "http://y.example/"])).toEqual(["http://x.example/", "http://y.example/"]);
  });

  it("limits one submission to a sane number of files and URLs", () => {
    const many = Array.from({ length: LIMITS.itemsPerSubmission + 1 }, (_, i) => `http://x${i}.example/`);
    expect(failure(() => submittedUrls(many))).toMatchObject({ code: "BAD_USER_INPUT", field: "urls" });
    expect(failure(() => submittedAttachmentIds(many.map((_, i) => `id-${i}`)))).toMatchObject({ code: "BAD_USER_INPUT", field: "attachmentIds" });
    expect(submittedAttachmentIds(["a", "a", "b"])).toEqual(["a", "b"]);
  });

  it("records a detection name only with DANGEROUS", () => {
    expect(failure(() => fileVerdictOf({ verdict: FileVerdict.NO_PROBLEM, detectionName: "Troj.X" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "detectionName" });
    expect(failure(() => fileVerdictOf({ verdict: FileVerdict.ANALYZING, detectionName: "Troj.X" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "detectionName" });
    expect(fileVerdictOf({ verdict: FileVerdict.DANGEROUS, detectionName: " Troj.X ", patternVersion: "19.101.00" })).toEqual({
      verdict: FileVerdict.DANGEROUS,
      detectionName: "Troj.X",
      patternVersion: "19.101.00",
    });
    expect(fileVerdictOf({ verdict: FileVerdict.NO_PROBLEM, detectionName: "  " }).detectionName).toBeNull();
  });

  it("requires a non-empty comment when the action needs a reason", () => {
    expect(failure(() => requestComment("   ", true))).toMatchObject({ code: "BAD_USER_INPUT", field: "comment" });
    expect(failure(() => requestComment(null, true))).toMatchObject({ code: "BAD_USER_INPUT", field: "comment" });
    expect(requestComment(" because ", true)).toBe("because");
    expect(requestComment(null, false)).toBeNull();
    expect(failure(() => requestComment("x".repeat(LIMITS.comment + 1), false))).toMatchObject({ code: "BAD_USER_INPUT", field: "comment" });
  });
});
