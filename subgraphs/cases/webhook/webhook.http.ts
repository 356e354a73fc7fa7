import { Agent as HttpAgent, type ClientRequestArgs, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions, request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { SecureContextOptions } from "node:tls";
import type { DeliveryTarget } from "./webhook.address.js";

/** What one POST came to: an HTTP status (any, 3xx included: redirects are not followed), or no answer. */
export type PostResult = { status: number; latencyMs: number; body: string } | { status: null; latencyMs: number; error: string };

/** The most of an answer's body kept (in `lastError` of a failed delivery); the rest is read and dropped. */
const KEPT_BODY_BYTES = 500;

/** Request options naming the checked address the connection is pinned to. */
type PinnedRequest = ClientRequestArgs & { pinnedAddress?: string };

/** Keeps connections to an endpoint open between deliveries, pooled per host, port and pinned address: a connection is reused only for a delivery whose check gave the same address. */
class PinnedHttpAgent extends HttpAgent {
  override getName(options?: PinnedRequest): string {
    return `${super.getName(options)}|${options?.pinnedAddress ?? ""}`;
  }
}

class PinnedHttpsAgent extends HttpsAgent {
  override getName(options?: PinnedRequest): string {
    return `${super.getName(options)}|${options?.pinnedAddress ?? ""}`;
  }
}

/** The connection pools of one dispatcher (kept-alive connections spare a TCP and TLS handshake per delivery). */
export interface DeliveryAgents {
  http: HttpAgent;
  https: HttpsAgent;
  destroy(): void;
}

export function deliveryAgents(maxSocketsPerHost: number): DeliveryAgents {
  const options: HttpsAgentOptions = { keepAlive: true, maxSockets: maxSocketsPerHost, maxFreeSockets: maxSocketsPerHost, timeout: 30_000, scheduling: "lifo" };
  const http = new PinnedHttpAgent(options);
  const https = new PinnedHttpsAgent(options);
  return {
    http,
    https,
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

export interface PostOptions {
  timeoutMs: number;
  /** Connection pools to use (default: a new connection per request). */
  agents?: DeliveryAgents;
  /** Replaces the trusted CAs (tests trust their own certificate); the certificate is checked against the URL's host name always. */
  ca?: SecureContextOptions["ca"];
}

/**
 * POSTs `body` to the checked target, connected to its pinned address: the socket's `lookup` answers
 * that address only (no second resolution), while the Host header and TLS SNI / certificate check keep
 * the URL's host name. No redirect is followed (node's request never follows one). Everything (connect,
 * TLS, sending, the whole answer) must finish within `timeoutMs`; a pooled connection is reused only
 * when it was made to the same checked address.
 */
export function postPinned(target: DeliveryTarget, headers: Record<string, string>, body: string, { timeoutMs, agents, ca }: PostOptions): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { url, address, family } = target;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const options: PinnedRequest & { ca?: SecureContextOptions["ca"] } = {
      method: "POST",
      lookup: pinned,
      family,
      // SNI names a host, never an address (TLS forbids it).
      ...(url.protocol === "https:" ? { ...(isIP(host) ? {} : { servername: host }), ...(ca ? { ca } : {}) } : {}),
      pinnedAddress: address,
      headers: {
        ...headers,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "user-agent": "casegraph-webhooks/1",
      },
      agent: agents ? (url.protocol === "https:" ? agents.https : agents.http) : false,
    };
    const req = send(url, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (chunk: Buffer) => {
        if (kept < KEPT_BODY_BYTES) {
          chunks.push(chunk.subarray(0, KEPT_BODY_BYTES - kept));
          kept += Math.min(chunk.length, KEPT_BODY_BYTES - kept);
        }
      });
      res.on("end", () => finish({ status: res.statusCode ?? 0, latencyMs: elapsed(), body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (error) => finish({ status: null, latencyMs: elapsed(), error: error.message }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: null, latencyMs: elapsed(), error: `no answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    req.on("error", (error: Error & { code?: string }) => finish({ status: null, latencyMs: elapsed(), error: error.code ? `${error.code}: ${error.message}` : error.message }));
    req.end(body);
  });
}
