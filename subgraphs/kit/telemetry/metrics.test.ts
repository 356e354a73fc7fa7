import { describe, expect, it } from "vitest";
import { BoundedLabel } from "./metrics.js";

describe("a label whose values clients choose", () => {
  it("keeps the first values up to its limit, counts later ones as other, malformed ones as invalid, and a missing one by its name", () => {
    const label = new BoundedLabel(2, /^[a-z]{1,8}$/, "anonymous");
    expect(["alpha", "beta", "gamma", "alpha", "beta"].map((value) => label.value(value))).toEqual(["alpha", "beta", "other", "alpha", "beta"]);
    expect(label.value("Not-A-Name")).toBe("invalid");
    expect(label.value("x".repeat(9))).toBe("invalid");
    expect(label.value(undefined)).toBe("anonymous");
    expect(label.value(null)).toBe("anonymous");
    expect(label.value("")).toBe("anonymous");
    // A malformed or missing value never takes one of the kept places.
    expect(label.value("delta")).toBe("other");
  });
});
