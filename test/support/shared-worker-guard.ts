import { afterAll, expect, vi } from "vitest";

/**
 * Runs around every test file (vitest `setupFiles`). Files share their worker process (`isolate: false`),
 * so a file that leaves fake timers on would freeze the next file's timeouts: fail the file that did it.
 */
afterAll(() => {
  const left = vi.isFakeTimers();
  vi.useRealTimers();
  expect(left, "this file left fake timers on; the next file in the worker would inherit them (call vi.useRealTimers())").toBe(false);
});
