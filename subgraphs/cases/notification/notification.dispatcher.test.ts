import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./notification.dispatcher.js";

describe("retry backoff", () => {
  it("doubles the delay after every failed attempt and never waits more than an hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelayMs(attempt, 60) / 1000)).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });
});
