import type { DataSource } from "typeorm";
import { describe, expect, it } from "vitest";
import { hasCode } from "../../kit/errors.js";
import { createLogger } from "../../kit/logger.js";
import type { Resolver } from "./webhook.address.js";
import { WebhookService } from "./webhook.service.js";

const OWNER = { partnerId: "initech", organizationIds: ["acme"], actor: "test" };
const INPUT = { eventTypes: ["CASE_CREATED"], organizationIds: ["acme"], contactEmail: "ops@initech.example" };

/** The registration's URL rules run before the database is touched (this service has none). */
function serviceResolving(answer: Resolver): WebhookService {
  return new WebhookService({} as DataSource, { clock: () => new Date(), retryHours: 24, secretOverlapHours: 24, addressPolicy: { allowedAddresses: [] }, logger: createLogger("test", "silent"), resolver: answer });
}

describe("registering a webhook URL", () => {
  it.each(["127.0.0.1", "169.254.169.254", "10.20.30.40", "::1", "fe80::1"])("refuses a name that resolves to %s now, with BAD_USER_INPUT on url", async (address) => {
    const service = serviceResolving(async () => [{ address, family: address.includes(":") ? 6 : 4 }]);
    const refusal = await service.create(OWNER, { ...INPUT, url: "https://hooks.partner.example/in" }).catch((error: unknown) => error);
    expect(hasCode(refusal, "BAD_USER_INPUT")).toBe(true);
    expect((refusal as Error).message).toBe(`url's host hooks.partner.example resolves to a refused address: ${address} is a loopback, private, link-local or reserved address`);
  });
});
