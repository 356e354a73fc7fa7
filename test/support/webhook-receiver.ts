import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { vi } from "vitest";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed payload: `{ type, timestamp, data }`. */
  payload: { type: string; timestamp: string; data: Record<string, any> };
  /** The secrets (by index in `secrets`) whose signature verified with the standardwebhooks library. */
  verifiedWith: number[];
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks` (tests allow 127.0.0.1 through WEBHOOK_ALLOWED_ADDRESSES). */
  url: string;
  received: ReceivedWebhook[];
  /** The secrets each delivery is verified against (set after registering or rotating). */
  secrets: string[];
  /** The status the receiver answers (default 204). */
  status: number;
  /** Extra answer headers (a Location for redirect tests). */
  answerHeaders: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A partner's receiver in the test: a real HTTP server that checks every delivery with the
 * standardwebhooks library, at the time of `clock` (the graph's moved clock: the library checks that
 * `webhook-timestamp` is within five minutes of its own "now", so it runs in the same moved time).
 */
export async function startWebhookReceiver(clock: () => Date): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: "", received: [], secrets: [], status: 204, answerHeaders: {}, stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const verifiedWith: number[] = [];
      vi.useFakeTimers({ toFake: ["Date"], now: clock() });
      try {
        receiver.secrets.forEach((secret, index) => {
          try {
            new Webhook(secret).verify(body, req.headers as Record<string, string>);
            verifiedWith.push(index);
          } catch {
            // not signed with this secret
          }
        });
      } finally {
        vi.useRealTimers();
      }
      receiver.received.push({ headers: req.headers, body, payload: JSON.parse(body), verifiedWith });
      res.writeHead(receiver.status, receiver.answerHeaders);
      res.end(receiver.status >= 400 ? "receiver says no" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.stop = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
