import type { FormattedExecutionResult } from "graphql";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type CaseFeedEvent, CaseFeedEventType, type CaseFeedSlice, compareFeedIds } from "../../subgraphs/kit/case-feed-protocol.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import type { Authenticator } from "../auth/authenticate.js";
import { CaseFeedTailer, type FeedEntry, type FeedFilter, type FeedSource } from "./case-feed-tailer.js";
import { CredentialWatch } from "./credential-watch.js";
import type { PreparedSubscription } from "./subscription-document.js";
import { type Subscriber, SubscribeRefusal, SubscriptionHub } from "./subscription-hub.js";

const logger = createLogger("test", "silent");

/** An in-memory feed: `append` commits events; `since` answers as the cases subgraph does. */
class MemoryFeed implements FeedSource {
  events: CaseFeedEvent[] = [];
  oldest: string | null = null;
  reads = 0;
  /** Holds the reads of one case (a replay's) until released, to interleave live events with it. */
  gate: Promise<void> | undefined;
  private next = 1;

  append(caseId: string, organizationId: string, type = CaseFeedEventType.STATUS_CHANGED): CaseFeedEvent {
    const id = String(this.next++);
    const event: CaseFeedEvent = { id, sequence: 1, type, caseId, organizationId, actor: { id: "u", name: "U", role: "ENGINEER" }, at: new Date(0).toISOString(), changes: [], updateId: null };
    this.events.push(event);
    this.oldest ??= id;
    return event;
  }

  async since(after: string, first: number, filter: FeedFilter = {}): Promise<CaseFeedSlice> {
    this.reads++;
    if (filter.caseId) await this.gate;
    const events = this.events
      .filter((e) => compareFeedIds(e.id, after) > 0)
      .filter((e) => (filter.caseId ? e.caseId === filter.caseId : true))
      .filter((e) => (filter.organizationIds ? filter.organizationIds.includes(e.organizationId) : true))
      .slice(0, first);
    return { head: this.events.at(-1)?.id ?? "0", oldest: this.oldest, events };
  }
}

const acme: Principal = { kind: "user", id: "u-acme", name: "Acme", role: "customer", organizationIds: ["acme"], scopes: ["cases:read"] };
const globex: Principal = { kind: "user", id: "u-globex", name: "Globex", role: "customer", organizationIds: ["globex"], scopes: ["cases:read"] };
const engineer: Principal = { kind: "user", id: "u-eng", name: "Eng", role: "engineer", organizationIds: null, scopes: ["cases:read"] };

function subscription(field: "caseEvents" | "allCaseEvents", args: PreparedSubscription["args"] = {}, query = "q"): PreparedSubscription {
  return { field, responseKey: field, args, query, key: query, variables: {}, eventVariable: "caseFeedEventId", document: undefined as never, schema: undefined as never };
}

function setUp(options: { perPrincipal?: number; perConnection?: number; hidden?: Set<string>; unavailable?: Set<string> } = {}) {
  const feed = new MemoryFeed();
  const tailer = new CaseFeedTailer({ source: feed, logger, intervalMs: 0 });
  const executions: { principal: string; event: string }[] = [];
  const execute = vi.fn(async (principal: Principal, prepared: PreparedSubscription, event: FeedEntry): Promise<FormattedExecutionResult> => {
    executions.push({ principal: principal.id, event: event.id });
    // As the gateway's execution answers while a subgraph or its database is unreachable (options.unavailable: those events).
    if (options.unavailable?.has(event.id)) return { data: { [prepared.responseKey]: null }, errors: [{ message: "unreachable", extensions: { code: "SERVICE_UNAVAILABLE" } }] };
    // As the graph would: null for what the caller may not see (options.hidden: events the subgraph hides).
    const visible = !options.hidden?.has(event.id);
    return { data: { [prepared.responseKey]: visible ? { id: event.id, caseId: event.caseId } : null } };
  });
  const counts: number[] = [];
  const hub = new SubscriptionHub({ tailer, source: feed, execute, logger, perPrincipal: options.perPrincipal ?? 10, perConnection: options.perConnection ?? 10, onCount: (_t, delta) => counts.push(delta) });
  return { feed, tailer, hub, execute, executions, counts };
}

/** The event ids of the next `n` results. */
async function take(subscriber: Subscriber, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { value } = await subscriber.next();
    const data = value?.data as Record<string, { id: string }> | undefined;
    ids.push(data ? Object.values(data)[0]!.id : `error:${String(value?.errors?.[0]?.extensions?.code)}`);
  }
  return ids;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("SubscriptionHub", () => {
  it("sends a subscriber the events it may see in feed order, filters before executing, and skips what the query answers null", async () => {
    const { feed, tailer, hub, executions } = setUp({ hidden: new Set(["4"]) });
    await tailer.ready();
    const own = await hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents"));
    const oneCase = await hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("caseEvents", { caseId: "c1" }, "q2"));
    feed.append("c1", "acme"); // 1
    feed.append("c9", "globex"); // 2: another organization, never executed for acme
    feed.append("c2", "acme"); // 3
    feed.append("c1", "acme"); // 4: the graph hides it (answers null)
    feed.append("c1", "acme"); // 5
    await tailer.poll();
    expect(await take(own, 3)).toEqual(["1", "3", "5"]);
    expect(await take(oneCase, 2)).toEqual(["1", "5"]);
    expect(executions.filter((e) => e.event === "2")).toEqual([]);
  });

  it("ends a subscription whose event could not be resolved right now, so that its resume with after gets that event: no gap", async () => {
    const unavailable = new Set(["2"]);
    const { feed, tailer, hub } = setUp({ unavailable });
    await tailer.ready();
    const first = await hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents"));
    feed.append("c1", "acme"); // 1
    feed.append("c1", "acme"); // 2: its case cannot be read right now
    feed.append("c1", "acme"); // 3
    await tailer.poll();
    expect(await take(first, 2)).toEqual(["1", "error:SERVICE_UNAVAILABLE"]);
    expect((await first.next()).done).toBe(true);
    // The database is back: the client subscribes again after the last event it received.
    unavailable.clear();
    const resumed = await hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents", { after: "1" }));
    expect(await take(resumed, 2)).toEqual(["2", "3"]);
  });

  it("runs one query per event for subscribers of the same principal, document and variables", async () => {
    const { feed, tailer, hub, execute } = setUp();
    await tailer.ready();
    const same = await Promise.all([1, 2, 3].map(() => hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents"))));
    const other = await hub.subscribe(hub.openSession(engineer, {}, "sse"), subscription("allCaseEvents"));
    feed.append("c1", "acme");
    await tailer.poll();
    for (const subscriber of [...same, other]) expect(await take(subscriber, 1)).toEqual(["1"]);
    expect(execute.mock.calls.map(([principal]) => principal.id).sort()).toEqual(["u-acme", "u-eng"]);
  });

  it("replays from after, holding live events back until the missed ones are out: no gap, no duplicate", async () => {
    const { feed, tailer, hub } = setUp();
    feed.append("c1", "acme"); // 1
    feed.append("c1", "acme"); // 2
    await tailer.ready(); // head 2
    feed.append("c1", "acme"); // 3: missed while away
    let release!: () => void;
    feed.gate = new Promise((resolve) => (release = resolve));
    const subscribing = hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("caseEvents", { caseId: "c1", after: "1" }));
    // While the replay reads, a live event commits and the tailer hands out 3 and 4: they wait in the subscriber's buffer.
    feed.append("c1", "acme"); // 4
    await tailer.poll();
    release();
    feed.gate = undefined;
    const subscriber = await subscribing;
    feed.append("c1", "acme"); // 5
    await tailer.poll();
    expect(await take(subscriber, 4)).toEqual(["2", "3", "4", "5"]);
  });

  it("refuses an after older than the feed keeps with FEED_CURSOR_EXPIRED, and accepts one just before the oldest", async () => {
    const { feed, tailer, hub } = setUp();
    for (let i = 0; i < 5; i++) feed.append("c1", "acme");
    feed.oldest = "3"; // 1 and 2 were dropped by retention
    await tailer.ready();
    const refused = hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents", { after: "1" }));
    await expect(refused).rejects.toMatchObject({ error: { extensions: { code: "FEED_CURSOR_EXPIRED", oldest: "3" } } });
    const kept = await hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents", { after: "2" }));
    expect(await take(kept, 3)).toEqual(["3", "4", "5"]);
    expect(hub.size).toBe(1);
  });

  it("bounds subscriptions per principal and per connection; a completed one frees its place", async () => {
    const { tailer, hub, counts } = setUp({ perPrincipal: 2, perConnection: 1 });
    await tailer.ready();
    const connection = hub.openSession(acme, {}, "ws");
    const first = await hub.subscribe(connection, subscription("allCaseEvents"));
    await expect(hub.subscribe(connection, subscription("allCaseEvents"))).rejects.toMatchObject({ error: { extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: 1 } } });
    await hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents"));
    const third = hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents"));
    await expect(third).rejects.toBeInstanceOf(SubscribeRefusal);
    await expect(third).rejects.toMatchObject({ error: { extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: 2 } } });
    await first.return();
    await hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents"));
    await hub.subscribe(hub.openSession(globex, {}, "ws"), subscription("allCaseEvents"));
    expect(hub.size).toBe(3);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("counts subscribes that arrive together against one another", async () => {
    const { tailer, hub } = setUp({ perPrincipal: 2 });
    await tailer.ready();
    const settled = await Promise.allSettled([1, 2, 3].map(() => hub.subscribe(hub.openSession(acme, {}, "ws"), subscription("allCaseEvents"))));
    expect(settled.map((s) => s.status).sort()).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect(hub.size).toBe(2);
  });
});

describe("CaseFeedTailer", () => {
  it("starts at the head, takes another gateway's batch that continues from it once, and polls when a batch shows a gap", async () => {
    const { feed, tailer } = setUp();
    feed.append("c1", "acme"); // 1, before start: never handed out
    await tailer.ready();
    const seen: string[] = [];
    tailer.listen((events) => seen.push(...events.map((e) => e.id)));
    const [two, three] = [feed.append("c1", "acme"), feed.append("c1", "acme")];
    tailer.receive({ after: "1", events: [two, three] });
    tailer.receive({ after: "1", events: [two, three] }); // the same batch again: nothing new
    const [, five] = [feed.append("c1", "acme"), feed.append("c1", "acme")];
    const readsBefore = feed.reads;
    tailer.receive({ after: "4", events: [five] }); // 4 never arrived here: a poll fetches 4 and 5
    await tailer.poll();
    expect(feed.reads).toBeGreaterThan(readsBefore);
    expect(seen).toEqual(["2", "3", "4", "5"]);
    expect(tailer.head).toBe("5");
  });
});

describe("CredentialWatch", () => {
  it("ends a session with UNAUTHENTICATED when its token expires, by the token's own timer", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const { tailer, hub } = setUp();
    await tailer.ready();
    const authenticate: Authenticator = async () => ({ principal: acme });
    const watch = new CredentialWatch({ hub, authenticate, logger, recheckMs: 30_000 });
    const session = hub.openSession(acme, { authorization: "Bearer x", expiresAt: Date.now() + 5_000 }, "ws");
    watch.watch(session);
    const subscriber = await hub.subscribe(session, subscription("allCaseEvents"));
    const next = subscriber.next();
    vi.advanceTimersByTime(4_999);
    expect(session.ended).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect((await next).value?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await subscriber.next()).done).toBe(true);
    expect(hub.size).toBe(0);
    watch.stop();
  });

  it("ends the sessions of a credential that no longer authenticates, and gives the others their principal's current organizations", async () => {
    const { tailer, hub } = setUp();
    await tailer.ready();
    const valid = new Set(["key-a"]);
    let partnerOrganizations = ["acme", "globex"];
    const authenticate: Authenticator = async (headers) => {
      const key = headers["x-api-key"] as string;
      const principal: Principal = { kind: "apiKey", id: key, name: key, role: "partner", organizationIds: partnerOrganizations, scopes: ["cases:read"] };
      return valid.has(key) ? { principal } : { principal: null, failure: "revoked_api_key" };
    };
    const watch = new CredentialWatch({ hub, authenticate, logger, recheckMs: 30_000 });
    const keyA = hub.openSession((await authenticate({ "x-api-key": "key-a" })).principal!, { apiKey: "key-a" }, "sse");
    valid.add("key-b");
    const keyB = hub.openSession((await authenticate({ "x-api-key": "key-b" })).principal!, { apiKey: "key-b" }, "ws");
    const a = await hub.subscribe(keyA, subscription("allCaseEvents"));
    const b = await hub.subscribe(keyB, subscription("allCaseEvents"));
    valid.delete("key-b");
    partnerOrganizations = ["acme"];
    await watch.recheck();
    expect((await b.next()).value?.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(keyA.principal.organizationIds).toEqual(["acme"]);
    const { feed } = { feed: (hub as unknown as { options: { source: MemoryFeed } }).options.source };
    feed.append("c9", "globex");
    feed.append("c1", "acme");
    await tailer.poll();
    expect(await take(a, 1)).toEqual(["2"]);
  });
});
