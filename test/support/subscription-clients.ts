import type { ExecutionResult } from "graphql";
import { createClient as createSseClient } from "graphql-sse";
import { type Client as WsClient, createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";

/** The WebSocket URL of a gateway's `/graphql` (http → ws). */
export function wsUrlOf(gatewayUrl: string): string {
  return gatewayUrl.replace(/^http/, "ws");
}

/** The graphql-sse URL of a gateway (`/graphql/stream`). */
export function sseUrlOf(gatewayUrl: string): string {
  return `${gatewayUrl}/stream`;
}

/** How a subscription ended: the server completed it, or an error (GraphQL errors, a close event, a network error). */
export type Ending = { completed: true } | { error: unknown };

/**
 * One subscription's results as they arrive. `next(n)` waits for n more results (event-driven: it resolves
 * as results come, and fails after `timeoutMs` with what did arrive, so that a missing event fails the test
 * with something to read rather than hanging it).
 */
export class ResultStream {
  readonly results: ExecutionResult[] = [];
  ending: Ending | undefined;
  private read = 0;
  private waiters: (() => void)[] = [];

  push(result: ExecutionResult): void {
    this.results.push(result);
    this.notify();
  }

  end(ending: Ending): void {
    this.ending ??= ending;
    this.notify();
  }

  /** The next `n` results (after those already read). */
  async next(n = 1, timeoutMs = 15_000): Promise<ExecutionResult[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length < this.read + n) {
      if (this.ending) throw new Error(`the subscription ended (${JSON.stringify(this.ending)}) after ${this.results.length} result(s): ${JSON.stringify(this.results).slice(0, 1500)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waited for ${n} result(s), got ${this.results.length - this.read}: ${JSON.stringify(this.results.slice(this.read)).slice(0, 1500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const taken = this.results.slice(this.read, this.read + n);
    this.read += n;
    return taken;
  }

  /** Waits until the subscription ends, and says how. */
  async ended(timeoutMs = 15_000): Promise<Ending> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ending) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the subscription did not end; results: ${JSON.stringify(this.results).slice(0, 1500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.ending;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export interface SubscriptionPayload {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface TestSubscriber {
  subscribe(payload: SubscriptionPayload): ResultStream;
  /** Resolves once the server acknowledged the connection (graphql-ws), at once for SSE. */
  connected: Promise<void>;
  dispose(): Promise<void>;
}

/** A graphql-ws client (the `ws` package: Node 20 has no global WebSocket) with `connectionParams`; no retries. */
export function wsSubscriber(gatewayUrl: string, connectionParams: Record<string, string>): TestSubscriber & { client: WsClient; closed: Promise<{ code: number; reason: string }> } {
  let onConnected!: () => void;
  let onClosed!: (event: { code: number; reason: string }) => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createWsClient({
    url: wsUrlOf(gatewayUrl),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    // A refused connection is read from `closed` (and the subscriptions' errors), not printed.
    onNonLazyError: () => undefined,
    on: {
      connected: () => onConnected(),
      closed: (event) => onClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }),
    },
  });
  return {
    client,
    connected,
    closed,
    subscribe(payload) {
      const stream = new ResultStream();
      client.subscribe(payload, {
        next: (result) => stream.push(result as ExecutionResult),
        error: (error) => stream.end({ error }),
        complete: () => stream.end({ completed: true }),
      });
      return stream;
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}

/** A graphql-sse client ("distinct connections": one event stream per subscription) sending `headers` with each request; no retries. */
export function sseSubscriber(gatewayUrl: string, headers: Record<string, string>): TestSubscriber {
  const client = createSseClient({ url: sseUrlOf(gatewayUrl), headers, retryAttempts: 0 });
  const unsubscribers: (() => void)[] = [];
  return {
    connected: Promise.resolve(),
    subscribe(payload) {
      const stream = new ResultStream();
      unsubscribers.push(
        client.subscribe(payload, {
          next: (result) => stream.push(result as ExecutionResult),
          error: (error) => stream.end({ error }),
          complete: () => stream.end({ completed: true }),
        }),
      );
      return stream;
    },
    async dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      client.dispose();
    },
  };
}
