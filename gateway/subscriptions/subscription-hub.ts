import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from "graphql";
import { compareFeedIds, MAX_FEED_SLICE } from "../../subgraphs/kit/case-feed-protocol.js";
import { FreshPass } from "../../subgraphs/kit/fresh-pass.js";
import { ErrorCode } from "../../subgraphs/kit/errors.js";
import type { Logger } from "../../subgraphs/kit/logger.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import type { CaseFeedTailer, FeedEntry, FeedFilter, FeedSource } from "./case-feed-tailer.js";
import type { PreparedSubscription } from "./subscription-document.js";

/** Runs one event's query as the subscriber (the gateway's Apollo Server pipeline). */
export type EventExecutor = (principal: Principal, prepared: PreparedSubscription, event: FeedEntry) => Promise<FormattedExecutionResult>;

export type Transport = "ws" | "sse";

/** The credential a connection opened with, kept to check it again while its subscriptions run. */
export interface Credential {
  authorization?: string;
  apiKey?: string;
  /** When a bearer token stops being valid (ms since the epoch). */
  expiresAt?: number;
}

/** One authenticated connection (a WebSocket, or one SSE request) and its subscriptions. */
export interface SubscriberSession {
  principal: Principal;
  credential: Credential;
  transport: Transport;
  subscriptions: Set<Subscriber>;
  /** Set once the session ended (its credential expired or was revoked); no subscription starts after. */
  ended?: GraphQLFormattedError;
  /** The transport's own clean-up when the session ends (closes the socket). */
  onEnd?: (error: GraphQLFormattedError) => void;
}

export interface SubscriptionHubOptions {
  tailer: CaseFeedTailer;
  source: FeedSource;
  execute: EventExecutor;
  logger: Logger;
  perPrincipal: number;
  perConnection: number;
  /** Open subscriptions went up or down by `delta` (the gauge). */
  onCount?: (transport: Transport, delta: number) => void;
  /** Event queries running at once, across all subscribers; more wait their turn. */
  maxConcurrentExecutions?: number;
}

export function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

/** What the subscriber may see of an event before anything runs: its organizations, the case, the types asked for. */
function visibleTo(principal: Principal, event: FeedEntry): boolean {
  return principal.organizationIds === null || principal.organizationIds.includes(event.organizationId);
}

function errorResult(code: string, message: string, extensions: Record<string, unknown> = {}): FormattedExecutionResult {
  return { errors: [{ message, extensions: { ...extensions, code } }] };
}

/** An event's result without the event, for a reason that passes (a subgraph or database unreachable, a failure of the execution). */
function unresolved(result: FormattedExecutionResult, responseKey: string): boolean {
  const value = result.data?.[responseKey];
  if (value !== null && value !== undefined) return false;
  return (result.errors ?? []).some((error) => error.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE || error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR);
}

/** A refusal at subscribe time: the transport sends it as the operation's error. */
export class SubscribeRefusal extends Error {
  constructor(readonly error: GraphQLFormattedError) {
    super(error.message);
  }
}

const DONE: IteratorResult<ExecutionResult> = { done: true, value: undefined };

/**
 * One subscription: an async iterator of results (graphql-ws and graphql-sse call `return()` when the
 * client completes or goes). Events are offered in feed order; each one that passes the cheap filter gets
 * its query started at once (shared with identical subscribers), and results leave in event order.
 */
export class Subscriber implements AsyncGenerator<ExecutionResult, undefined, unknown> {
  /** While the missed events are read (`after`), live ones wait here. */
  private buffer: FeedEntry[] | undefined;
  private readonly pending: Promise<FormattedExecutionResult | null>[] = [];
  private wake: (() => void) | undefined;
  private final: FormattedExecutionResult | undefined;
  private closed = false;
  /** The last event id this subscriber handled (sent or filtered out); later events only. */
  private lastSeen: string | undefined;
  executionKey: string;

  constructor(
    readonly session: SubscriberSession,
    readonly prepared: PreparedSubscription,
    private readonly hub: SubscriptionHub,
  ) {
    this.executionKey = this.keyOf(session.principal);
    // Until its starting point is known (the feed's head, or `after` and the missed events), live events wait.
    this.buffer = [];
  }

  /** The principal changed (its organizations, after a credential check): identical executions are shared per principal. */
  refreshKey(): void {
    this.executionKey = this.keyOf(this.session.principal);
  }

  private keyOf(principal: Principal): string {
    return `${principalKey(principal)}\u0000${principal.organizationIds?.join(",") ?? "*"}\u0000${this.prepared.key}`;
  }

  /** The read of the missed events (`after`). */
  get filter(): FeedFilter {
    const { args } = this.prepared;
    if (args.caseId) return { caseId: args.caseId };
    const own = this.session.principal.organizationIds;
    if (!args.organizationIds) return own ? { organizationIds: own } : {};
    return { organizationIds: own ? args.organizationIds.filter((id) => own.includes(id)) : args.organizationIds };
  }

  matches(event: FeedEntry): boolean {
    const { args } = this.prepared;
    if (!visibleTo(this.session.principal, event)) return false;
    if (args.caseId !== undefined && event.caseId !== args.caseId) return false;
    if (args.organizationIds && !args.organizationIds.includes(event.organizationId)) return false;
    if (args.types && !args.types.includes(event.type)) return false;
    return true;
  }

  /** A live event from the tailer. */
  offer(event: FeedEntry): void {
    if (this.closed) return;
    if (this.buffer) {
      this.buffer.push(event);
      return;
    }
    this.handle(event);
  }

  /** Where the subscription starts: events after this id only. */
  startAfter(id: string): void {
    this.lastSeen = id;
  }

  /** Events read for `after`, oldest first. */
  replayed(events: FeedEntry[]): void {
    for (const event of events) this.handle(event);
  }

  /** The missed events are all in: the live ones that waited follow, those already sent skipped. */
  goLive(): void {
    const waiting = this.buffer ?? [];
    this.buffer = undefined;
    for (const event of waiting) this.handle(event);
  }

  private handle(event: FeedEntry): void {
    if (this.closed) return;
    if (this.lastSeen !== undefined && compareFeedIds(event.id, this.lastSeen) <= 0) return;
    this.lastSeen = event.id;
    if (!this.matches(event)) return;
    this.pending.push(this.hub.resolve(this, event));
    this.wake?.();
  }

  /** Ends the subscription with an error, sent after nothing else: what was still pending is dropped. */
  fail(result: FormattedExecutionResult): void {
    if (this.closed) return;
    this.pending.length = 0;
    this.final = result;
    this.wake?.();
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      if (this.closed) return DONE;
      if (this.final) {
        const final = this.final;
        this.close();
        return { done: false, value: final as ExecutionResult };
      }
      const head = this.pending.shift();
      if (head) {
        const result = await head;
        if (this.closed) return DONE;
        if (this.final) continue;
        if (result && unresolved(result, this.prepared.responseKey)) {
          // Skipping the event would leave a gap the client cannot see: it ends here instead, and the
          // client's resume with the last id it received gets this event again.
          this.fail(errorResult(ErrorCode.SERVICE_UNAVAILABLE, "An event could not be resolved right now; subscribe again with after: the last id received"));
          continue;
        }
        if (result) return { done: false, value: result as ExecutionResult };
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Past its starting point: every event committed from now on reaches it. */
  get isLive(): boolean {
    return !this.closed && this.buffer === undefined;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.length = 0;
    this.buffer = undefined;
    this.hub.remove(this);
    this.wake?.();
  }
}

/**
 * The subscribers of this gateway: limits, dispatch of the tailer's events, replay of missed events, and
 * one execution per (principal, document, variables, event) shared by every subscriber that asks it.
 */
export class SubscriptionHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly perPrincipal = new Map<string, number>();
  private readonly sessions = new Set<SubscriberSession>();
  private readonly executions = new Map<string, Promise<FormattedExecutionResult | null>>();
  private running = 0;
  /** The feed's head as the cases subgraph has it, read after the caller registered (see `subscribe`). */
  private readonly headReads = new FreshPass(() => this.options.source.since(this.options.tailer.head ?? "0", 1).then((slice) => slice.head));
  private readonly waiting: (() => void)[] = [];
  private readonly stopListening: () => void;

  constructor(private readonly options: SubscriptionHubOptions) {
    this.stopListening = options.tailer.listen((events) => {
      for (const event of events) for (const subscriber of this.subscribers) subscriber.offer(event);
    });
  }

  /** Open subscriptions on this gateway. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Open subscriptions past their starting point (tests wait for them before changing anything). */
  get live(): number {
    let live = 0;
    for (const subscriber of this.subscribers) if (subscriber.isLive) live++;
    return live;
  }

  openSession(principal: Principal, credential: Credential, transport: Transport): SubscriberSession {
    const session: SubscriberSession = { principal, credential, transport, subscriptions: new Set() };
    this.sessions.add(session);
    return session;
  }

  /** Every open session (the credential checks walk them). */
  openSessions(): SubscriberSession[] {
    return [...this.sessions];
  }

  /** Ends a session: with an error, every subscription gets it last; without, they just stop (the client went). */
  endSession(session: SubscriberSession, error?: GraphQLFormattedError): void {
    if (!this.sessions.delete(session)) return;
    if (error) {
      session.ended = error;
      for (const subscriber of [...session.subscriptions]) subscriber.fail({ errors: [error] });
      session.onEnd?.(error);
    } else {
      for (const subscriber of [...session.subscriptions]) void subscriber.return();
    }
  }

  /** The session's principal changed (a credential check found other organizations). */
  updatePrincipal(session: SubscriberSession, principal: Principal): void {
    session.principal = principal;
    for (const subscriber of session.subscriptions) subscriber.refreshKey();
  }

  /**
   * Starts a subscription: limits, then (with `after`) the first page of missed events, which also tells
   * whether the feed still holds them; the rest of the replay runs behind. Throws SubscribeRefusal.
   */
  async subscribe(session: SubscriberSession, prepared: PreparedSubscription): Promise<Subscriber> {
    try {
      await this.options.tailer.ready();
    } catch (error) {
      this.options.logger.warn({ err: error }, "case feed unreachable: subscription refused");
      throw new SubscribeRefusal({ message: "The case feed is unreachable right now; subscribe again shortly", extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
    }
    // From the checks to the registration nothing awaits: subscribes arriving together count one another.
    if (session.ended) throw new SubscribeRefusal(session.ended);
    if (session.subscriptions.size >= this.options.perConnection) {
      throw new SubscribeRefusal({ message: `At most ${this.options.perConnection} subscriptions per connection`, extensions: { code: ErrorCode.TOO_MANY_SUBSCRIPTIONS, limit: this.options.perConnection } });
    }
    const key = principalKey(session.principal);
    const held = this.perPrincipal.get(key) ?? 0;
    if (held >= this.options.perPrincipal) {
      throw new SubscribeRefusal({ message: `At most ${this.options.perPrincipal} open subscriptions per user or API key`, extensions: { code: ErrorCode.TOO_MANY_SUBSCRIPTIONS, limit: this.options.perPrincipal } });
    }
    const subscriber = new Subscriber(session, prepared, this);
    // Registered before the missed events are read: live events meanwhile wait in its buffer.
    this.subscribers.add(subscriber);
    session.subscriptions.add(subscriber);
    this.perPrincipal.set(key, held + 1);
    this.options.onCount?.(session.transport, 1);
    const after = prepared.args.after;
    try {
      if (after === undefined) {
        // Live from now: from the feed's head as the cases subgraph has it (the tailer may not have read that far yet).
        subscriber.startAfter(await this.headReads.run());
        subscriber.goLive();
        return subscriber;
      }
      subscriber.startAfter(after);
      const first = await this.options.source.since(after, MAX_FEED_SLICE, subscriber.filter);
      if (after !== "0" && first.oldest !== null && BigInt(after) < BigInt(first.oldest) - 1n) {
        void subscriber.return();
        throw new SubscribeRefusal({
          message: `Events after ${after} are no longer kept (the oldest kept is ${first.oldest}): read the current state again, then subscribe without after`,
          extensions: { code: ErrorCode.FEED_CURSOR_EXPIRED, oldest: first.oldest },
        });
      }
      subscriber.replayed(first.events);
      if (first.events.length < MAX_FEED_SLICE) subscriber.goLive();
      else void this.replayRest(subscriber, first.events.at(-1)!.id);
      return subscriber;
    } catch (error) {
      void subscriber.return();
      if (error instanceof SubscribeRefusal) throw error;
      this.options.logger.warn({ err: error }, "case feed unreachable: replay failed");
      throw new SubscribeRefusal({ message: "The case feed is unreachable right now; subscribe again shortly", extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
    }
  }

  private async replayRest(subscriber: Subscriber, from: string): Promise<void> {
    let after = from;
    try {
      while (!subscriber.isClosed) {
        const slice = await this.options.source.since(after, MAX_FEED_SLICE, subscriber.filter);
        subscriber.replayed(slice.events);
        if (slice.events.length < MAX_FEED_SLICE) break;
        after = slice.events.at(-1)!.id;
      }
      subscriber.goLive();
    } catch (error) {
      this.options.logger.warn({ err: error }, "case feed unreachable: replay failed");
      subscriber.fail(errorResult(ErrorCode.SERVICE_UNAVAILABLE, "The case feed became unreachable while sending missed events; subscribe again with the last id received"));
    }
  }

  /** The result of an event for a subscriber: null when the subscriber may not see it (the query answered null). */
  resolve(subscriber: Subscriber, event: FeedEntry): Promise<FormattedExecutionResult | null> {
    const key = `${event.id}\u0000${subscriber.executionKey}`;
    let execution = this.executions.get(key);
    if (!execution) {
      const { principal } = subscriber.session;
      const { prepared } = subscriber;
      execution = this.limited(() => this.options.execute(principal, prepared, event))
        .then((result) => {
          const value = result.data?.[prepared.responseKey];
          return value === null || value === undefined ? (result.errors?.length ? result : null) : result;
        })
        .catch((error: unknown) => {
          this.options.logger.error({ err: error, event: event.id }, "a case event could not be resolved for a subscriber");
          return errorResult(ErrorCode.INTERNAL_SERVER_ERROR, "This event could not be resolved");
        })
        .finally(() => this.executions.delete(key));
      this.executions.set(key, execution);
    }
    return execution;
  }

  /** Forgets a subscriber (it completed, its client went, or it ended with an error). */
  remove(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    const { session } = subscriber;
    session.subscriptions.delete(subscriber);
    const key = principalKey(session.principal);
    const held = (this.perPrincipal.get(key) ?? 1) - 1;
    if (held > 0) this.perPrincipal.set(key, held);
    else this.perPrincipal.delete(key);
    this.options.onCount?.(session.transport, -1);
  }

  stop(): void {
    this.stopListening();
    for (const session of [...this.sessions]) this.endSession(session);
  }

  private async limited<T>(run: () => Promise<T>): Promise<T> {
    const max = this.options.maxConcurrentExecutions ?? 32;
    if (this.running >= max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await run();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
