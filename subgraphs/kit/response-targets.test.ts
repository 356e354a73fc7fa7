import { describe, expect, it } from "vitest";
import { ConfigError } from "./env.js";
import { DEFAULT_RESPONSE_TARGET_HOURS, isOverdue, readResponseTargets, responseDueAt } from "./response-targets.js";

const HOUR = 60 * 60 * 1000;

describe("response targets (docs/domain.md, Response targets)", () => {
  it("default to 4, 8, 24 and 72 hours for CRITICAL, HIGH, MEDIUM and LOW", () => {
    expect(readResponseTargets({})).toEqual({ CRITICAL: 4, HIGH: 8, MEDIUM: 24, LOW: 72 });
    expect(DEFAULT_RESPONSE_TARGET_HOURS).toEqual({ CRITICAL: 4, HIGH: 8, MEDIUM: 24, LOW: 72 });
  });

  it("are set per severity by RESPONSE_TARGET_<SEVERITY>_HOURS", () => {
    expect(readResponseTargets({ RESPONSE_TARGET_CRITICAL_HOURS: "1", RESPONSE_TARGET_LOW_HOURS: "120", RESPONSE_TARGET_MEDIUM_HOURS: "" })).toEqual({ CRITICAL: 1, HIGH: 8, MEDIUM: 24, LOW: 120 });
  });

  it.each([["0"], ["-4"], ["4.5"], ["four"], ["8761"]])("refuse %j at start-up, naming the variable", (value) => {
    expect(() => readResponseTargets({ RESPONSE_TARGET_HIGH_HOURS: value })).toThrow(ConfigError);
    expect(() => readResponseTargets({ RESPONSE_TARGET_HIGH_HOURS: value })).toThrow(/RESPONSE_TARGET_HIGH_HOURS/);
  });

  it("refuse a more severe case waiting longer than a less severe one, naming both variables", () => {
    expect(() => readResponseTargets({ RESPONSE_TARGET_CRITICAL_HOURS: "10" })).toThrow(/RESPONSE_TARGET_CRITICAL_HOURS \(10\) must not be longer than RESPONSE_TARGET_HIGH_HOURS \(8\)/);
    expect(() => readResponseTargets({ RESPONSE_TARGET_LOW_HOURS: "12" })).toThrow(/RESPONSE_TARGET_MEDIUM_HOURS \(24\) must not be longer than RESPONSE_TARGET_LOW_HOURS \(12\)/);
    expect(readResponseTargets({ RESPONSE_TARGET_CRITICAL_HOURS: "8" })).toMatchObject({ CRITICAL: 8, HIGH: 8 });
  });

  it("make a response due the severity's hours after the wait began, and overdue only after that moment", () => {
    const targets = readResponseTargets({});
    const since = new Date("2026-03-02T09:00:00.000Z");
    const due = responseDueAt(since, "HIGH", targets);
    expect(due.toISOString()).toBe("2026-03-02T17:00:00.000Z");
    expect(responseDueAt(since, "LOW", targets).getTime() - since.getTime()).toBe(72 * HOUR);
    expect(isOverdue(due, new Date(due.getTime() - 1))).toBe(false);
    expect(isOverdue(due, due)).toBe(false);
    expect(isOverdue(due, new Date(due.getTime() + 1))).toBe(true);
    expect(isOverdue(null, new Date(due.getTime() + HOUR))).toBe(false);
  });
});
