import { describe, expect, it } from "vitest";
import { FreshPass } from "./fresh-pass.js";

/** A pass the test ends by hand, recording when each one started. */
function manualPasses() {
  const started: number[] = [];
  const finish: ((value: number) => void)[] = [];
  const fail: ((error: Error) => void)[] = [];
  const pass = new FreshPass(
    () =>
      new Promise<number>((resolve, reject) => {
        started.push(started.length + 1);
        finish.push(resolve);
        fail.push(reject);
      }),
  );
  return { pass, started, finish, fail };
}

describe("FreshPass", () => {
  it("gives a caller who arrives during a pass the next pass, shared by everyone who arrives meanwhile", async () => {
    const { pass, started, finish } = manualPasses();
    const first = pass.run();
    const second = pass.run();
    const third = pass.run();
    expect(started).toEqual([1]);
    expect(second).toBe(third);
    finish[0]!(1);
    expect(await first).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    finish[1]!(2);
    expect(await second).toBe(2);
  });

  it("starts a new pass for a caller who arrives after the last one ended", async () => {
    const { pass, started, finish } = manualPasses();
    const first = pass.run();
    finish[0]!(1);
    await first;
    const later = pass.run();
    expect(started).toEqual([1, 2]);
    finish[1]!(2);
    expect(await later).toBe(2);
  });

  it("runs the queued pass even when the running one fails, and settles after both", async () => {
    const { pass, started, finish, fail } = manualPasses();
    const first = pass.run();
    const second = pass.run();
    let settled = false;
    const waiting = pass.settled().then(() => (settled = true));
    fail[0]!(new Error("database down"));
    await expect(first).rejects.toThrow("database down");
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(false);
    finish[1]!(2);
    expect(await second).toBe(2);
    await waiting;
    expect(settled).toBe(true);
  });
});
