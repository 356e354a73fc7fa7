import { randomBytes } from "node:crypto";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimits, type RateLimits } from "./rate-limits.js";

describe("rate limits when Redis is unreachable", () => {
  let limits: RateLimits;
  let url: string;
  let server: ReturnType<express.Express["listen"]>;

  beforeAll(async () => {
    limits = await createRateLimits(
      // Port 1: nothing listens there.
      { apiKeyPerMinute: 5, userPerMinute: 2, unauthenticatedPerMinute: 5, redisUrl: "redis://127.0.0.1:1", keyPrefix: `test:${randomBytes(4).toString("hex")}` },
      pino({ level: "silent" }),
    );
    const app = express();
    app.get(
      "/",
      (_req, res, next) => {
        res.locals.principal = { kind: "user", id: "u-1" };
        next();
      },
      limits.afterAuthentication,
      (_req, res) => void res.json({ ok: true }),
    );
    await new Promise<void>((resolve) => {
      server = app.listen(0, "127.0.0.1", () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await limits?.close();
  });

  it("falls back to counting in memory instead of failing or letting everything through", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
