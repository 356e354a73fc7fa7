import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A span as an OTLP/HTTP exporter sent it, flattened with the service that sent it. */
export interface ReceivedSpan {
  service: string;
  /** Instrumentation scope: `@opentelemetry/instrumentation-http`, `apollo/gateway-js`, `casegraph`, ... */
  scope: string;
  name: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  /** OTLP's span kind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** The status code (0 unset, 1 ok, 2 error). */
  status: number;
}

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Resolves with the spans of `traceId` once `done(spans)` holds; rejects after `timeoutMs` with what arrived. */
  waitForTrace(traceId: string, done: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Resolves with the spans that `match` once there is one; rejects after `timeoutMs`. */
  waitForSpans(match: (span: ReceivedSpan) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { scope?: { name?: string }; spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; attributes?: OtlpAttribute[]; status?: { code?: number } }[] }[];
  }[];
}

function attributesOf(list: OtlpAttribute[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? value.boolValue ?? value.doubleValue ?? Number(value.intValue)]));
}

/** A W3C `traceparent` of a fresh trace, as a client that traces would send it, with its trace and span ids. */
export function newTraceparent(): { traceparent: string; traceId: string; parentSpanId: string } {
  const traceId = randomBytes(16).toString("hex");
  const parentSpanId = randomBytes(8).toString("hex");
  return { traceparent: `00-${traceId}-${parentSpanId}-01`, traceId, parentSpanId };
}

/**
 * A real OTLP/HTTP trace receiver (a plain node:http server, as a collector would be) that decodes the JSON
 * payload of @opentelemetry/exporter-trace-otlp-http. A protobuf payload is refused with 415 and fails every wait.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const arrived = new Set<() => void>();
  let refused: string | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const type = req.headers["content-type"] ?? "";
      if (req.method !== "POST" || req.url !== "/v1/traces" || !type.startsWith("application/json")) {
        refused = `${req.method} ${req.url} (${type})`;
        res.writeHead(415).end();
      } else {
        const payload = JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport;
        for (const resourceSpans of payload.resourceSpans ?? []) {
          const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"]);
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              spans.push({
                service,
                scope: scopeSpans.scope?.name ?? "",
                name: span.name,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? "",
                kind: span.kind ?? 0,
                attributes: attributesOf(span.attributes),
                status: span.status?.code ?? 0,
              });
            }
          }
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      }
      for (const wake of arrived) wake();
    });
  });
  /** Waits for exports (each one wakes it) until `done(select())`; a deadline for a collector that never gets the spans, not a measurement. */
  function waitUntil(select: () => ReceivedSpan[], done: (found: ReceivedSpan[]) => boolean, describe: (found: ReceivedSpan[]) => string, timeoutMs = 30_000): Promise<ReceivedSpan[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (refused) return finish(new Error(`the receiver refused an export: ${refused}`));
        if (done(select())) finish();
      };
      const timer = setTimeout(() => finish(new Error(`after ${timeoutMs} ms: ${describe(select())}`)), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        arrived.delete(check);
        if (error) reject(error);
        else resolve(select());
      };
      arrived.add(check);
      check();
    });
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    waitForTrace(traceId, done, timeoutMs) {
      return waitUntil(
        () => spans.filter((span) => span.traceId === traceId),
        done,
        (found) => `trace ${traceId} incomplete: ${found.map((s) => `${s.service}:${s.name}`).join(", ")}`,
        timeoutMs,
      );
    },
    waitForSpans(match, timeoutMs) {
      return waitUntil(
        () => spans.filter(match),
        (found) => found.length > 0,
        () => `no such span among ${spans.length}`,
        timeoutMs,
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
