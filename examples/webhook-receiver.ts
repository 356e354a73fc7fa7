/**
 * A partner's webhook receiver in one file: accepts casegraph's case events, checks each one's
 * signature with the `standardwebhooks` library (npm install standardwebhooks), drops repeats, and
 * prints one line per event. Register its URL first (it must be https in production: put it behind
 * your TLS proxy), and give it the secret the registration printed:
 *
 *   npm run build
 *   WEBHOOK_SECRET=whsec_... PORT=8787 node dist/examples/webhook-receiver.js
 *
 * Rotating the secret: casegraph signs with the old and the new secret side by side for a while, so
 * switch WEBHOOK_SECRET to the new one at any time during that overlap.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

/** What casegraph POSTs: Standard Webhooks' `{ type, timestamp, data }`, `data` being the case feed event. */
interface CaseEventPayload {
  type: string;
  timestamp: string;
  data: {
    id: string;
    sequence: number;
    type: string;
    caseId: string;
    organizationId: string;
    at: string;
    actor: { id: string; name: string; role: string };
    changes: { field: string; oldValue: string | null; newValue: string | null }[];
    updateId: string | null;
  };
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, status: number, text = ""): void {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(text);
}

function main(): void {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret?.startsWith("whsec_")) throw new Error("set WEBHOOK_SECRET to the endpoint's secret (whsec_...)");
  const webhook = new Webhook(secret);
  // The webhook-id of every message handled: a retry after a lost answer repeats a message, with the same id.
  // (A real receiver keeps these in its database for as long as casegraph retries: 24 hours by default.)
  const seen = new Set<string>();
  // The last sequence number printed per case: events of a case may arrive out of order (retries), `sequence` puts them back.
  const lastSequence = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST" || req.url !== "/webhooks") return answer(res, 404);
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      return answer(res, 413);
    }
    let payload: CaseEventPayload;
    try {
      // Verifies the signature (HMAC-SHA256 over id, timestamp and the raw body) and that the timestamp is recent.
      payload = webhook.verify(body, req.headers as Record<string, string>) as CaseEventPayload;
    } catch (error) {
      if (error instanceof WebhookVerificationError) return answer(res, 400, "bad signature");
      throw error;
    }
    const id = String(req.headers["webhook-id"]);
    if (seen.has(id)) return answer(res, 204);
    seen.add(id);
    const event = payload.data;
    const previous = lastSequence.get(event.caseId) ?? 0;
    const order = event.sequence === previous + 1 || previous === 0 ? "" : ` (after ${previous}: out of order)`;
    lastSequence.set(event.caseId, Math.max(previous, event.sequence));
    const changes = event.changes.map((c) => `${c.field}: ${c.oldValue ?? "-"} -> ${c.newValue ?? "-"}`).join("; ");
    console.log(`${event.at} ${payload.type} case ${event.caseId} #${event.sequence}${order} by ${event.actor.name}${changes ? ` [${changes}]` : ""}`);
    // Answer quickly (2xx within 10 s); do slow work after answering, from your own queue.
    answer(res, 204);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("receiver failed:", error);
      if (!res.headersSent) answer(res, 500);
    });
  });
  server.listen(Number(process.env.PORT ?? 8787), process.env.HOST ?? "127.0.0.1", () => {
    const { address, port } = server.address() as AddressInfo;
    console.log(`listening on http://${address}:${port}/webhooks`);
  });
}

main();
