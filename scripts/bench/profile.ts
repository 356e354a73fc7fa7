import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The layers a request's CPU time is reported in, in the order of the table. */
export const LAYERS = [
  "HTTP (node:http, Express, undici)",
  "Apollo pipeline (server, gateway executor, subgraph)",
  "query planning",
  "GraphQL parse/print",
  "GraphQL validation",
  "GraphQL execution",
  "type-graphql",
  "TypeORM",
  "mysql2",
  "JSON",
  "GC",
  "crypto (identity tokens, JWT)",
  "logging and metrics",
  "DataLoader",
  "our code",
  "promises and async context",
  "V8 builtins",
  "other Node internals",
  "other libraries",
] as const;
export type Layer = (typeof LAYERS)[number];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The layer a profile node's self time belongs to, from its script and function name. */
export function layerOf({ functionName, url }: { functionName: string; url: string }): Layer | null {
  if (functionName === "(idle)" || functionName === "(program)" || functionName === "(root)") return null;
  if (functionName === "(garbage collector)") return "GC";
  if (!url) {
    if (/^(parse|stringify|JSONParse|JSONStringify)$/.test(functionName) || functionName.startsWith("JSON")) return "JSON";
    return "V8 builtins";
  }
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (!module) {
    if (/^node:(_http|http|net|internal\/(http|streams\/|stream_base|net|deps\/undici))/.test(url)) return "HTTP (node:http, Express, undici)";
    if (/^node:(crypto|internal\/crypto)/.test(url)) return "crypto (identity tokens, JWT)";
    if (/^node:(async_hooks|internal\/async_hooks|internal\/async_local_storage|internal\/process\/task_queues|internal\/process\/promises)/.test(url)) return "promises and async context";
    if (url.startsWith("node:")) return "other Node internals";
    return "our code";
  }
  const [, name, path] = module;
  switch (name) {
    case "express":
    case "router":
    case "body-parser":
    case "raw-body":
    case "finalhandler":
    case "on-finished":
    case "send":
    case "type-is":
    case "content-type":
    case "accepts":
    case "negotiator":
    case "mime-types":
    case "qs":
    case "iconv-lite":
    case "undici":
    case "@as-integrations/express5":
    case "@whatwg-node/server":
    case "@whatwg-node/fetch":
    case "@whatwg-node/node-fetch":
      return "HTTP (node:http, Express, undici)";
    case "@apollo/query-planner":
      return "query planning";
    case "@apollo/server":
    case "@apollo/gateway":
    case "@apollo/subgraph":
    case "@apollo/federation-internals":
    case "@apollo/utils.keyvaluecache":
    case "@apollo/utils.createhash":
    case "@graphql-hive/gateway":
    case "@graphql-hive/gateway-runtime":
    case "@graphql-mesh/fusion-runtime":
    case "@graphql-mesh/transport-http":
    case "@graphql-tools/executor":
    case "@graphql-tools/federation":
    case "@graphql-tools/delegate":
    case "@graphql-tools/stitch":
    case "@graphql-tools/batch-delegate":
    case "graphql-yoga":
    case "@envelop/core":
      return "Apollo pipeline (server, gateway executor, subgraph)";
    case "@graphql-hive/router-runtime":
    case "@graphql-hive/router-query-planner":
      return "query planning";
    case "graphql":
      if (path!.startsWith("language/")) return "GraphQL parse/print";
      if (path!.startsWith("validation/")) return "GraphQL validation";
      return "GraphQL execution";
    case "type-graphql":
    case "class-validator":
    case "class-transformer":
    case "reflect-metadata":
      return "type-graphql";
    case "typeorm":
      return "TypeORM";
    case "mysql2":
    case "sqlstring":
    case "named-placeholders":
    case "lru.min":
    case "generate-function":
    case "long":
    case "iconv-lite ":
    case "better-sqlite3":
      return "mysql2";
    case "jose":
      return "crypto (identity tokens, JWT)";
    case "pino":
    case "pino-std-serializers":
    case "fast-redact":
    case "sonic-boom":
    case "prom-client":
    case "@opentelemetry/api":
      return "logging and metrics";
    case "dataloader":
      return "DataLoader";
    default:
      return "other libraries";
  }
}

/**
 * CPU milliseconds by layer in one `.cpuprofile`, idle excluded, counting only the samples taken within
 * `window` (microseconds of the monotonic clock, as `process.hrtime` and V8 both read it): the load, not the start-up.
 */
export function layersOfProfile(profile: CpuProfile, window?: { from: number; to: number }): Record<Layer, number> {
  // V8's builtins (no script: array methods, regular expressions, promise jobs...) count for the layer that called them.
  const parentOf = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const layerById = new Map<number, Layer | null>();
  const resolve = (node: ProfileNode): Layer | null => {
    if (layerById.has(node.id)) return layerById.get(node.id)!;
    let layer = layerOf(node.callFrame);
    if (layer === "V8 builtins") {
      const parent = parentOf.get(node.id);
      const inherited = parent && parent.callFrame.functionName !== "(root)" ? resolve(parent) : null;
      layer = inherited ?? "V8 builtins";
    }
    layerById.set(node.id, layer);
    return layer;
  };
  for (const node of byId.values()) resolve(node);
  const totals = Object.fromEntries(LAYERS.map((layer) => [layer, 0])) as Record<Layer, number>;
  const inWindow = window && window.from >= profile.startTime && window.from < profile.endTime;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (inWindow && (at < window.from || at > window.to)) return;
    const layer = layerById.get(id);
    if (layer) totals[layer] += delta / 1000;
  });
  return totals;
}

/** The one profile Node wrote in `dir` (`--cpu-prof-dir`, one directory per process), by layer. */
export function readProfile(dir: string, window?: { from: number; to: number }): Record<Layer, number> | null {
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  return file ? layersOfProfile(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, window) : null;
}
