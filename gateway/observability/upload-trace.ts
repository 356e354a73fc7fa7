import type { Readable } from "node:stream";
import { context, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { startSpan } from "../../subgraphs/kit/telemetry/tracing.js";

/**
 * The span of one multipart upload streamed through the gateway (`gateway.upload`): the request to the
 * attachments subgraph is its child, and it ends with the status the client got, the files and the bytes
 * forwarded. Counts the bytes for `casegraph_upload_bytes_total` too. A no-op span when tracing is off.
 */
export class UploadTrace {
  private readonly span: Span = startSpan("gateway.upload");
  private files = 0;
  private bytes = 0;
  private ended = false;

  constructor(private readonly onBytes: (bytes: number) => void = () => undefined) {}

  /** Counts a file's bytes as they flow; call just before piping it (a `data` listener beside a pipe keeps the backpressure). */
  countFile(stream: Readable): void {
    this.files++;
    stream.on("data", (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.onBytes(chunk.length);
    });
  }

  /** `open`, running with this span active when called: the request it opens is the span's child. */
  bind<F extends (...args: never[]) => unknown>(open: F): F {
    return context.bind(trace.setSpan(context.active(), this.span), open);
  }

  /** Ends the span once, with the HTTP status the client got (`error`: why it failed). */
  end(status: number, error?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.span.setAttributes({ "http.response.status_code": status, "casegraph.upload.files": this.files, "casegraph.upload.bytes": this.bytes });
    if (error) this.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    this.span.end();
  }
}
