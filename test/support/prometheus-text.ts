/** One sample line: `name{label="value",...} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its `# TYPE`, `# HELP` and samples (a histogram's `_bucket`, `_sum` and `_count` lines included). */
export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<Family["type"], string[]> = { counter: ["", "_total"], gauge: [""], histogram: ["_bucket", "_sum", "_count"], summary: ["", "_sum", "_count"], untyped: [""] };

/** A value as Go's strconv.ParseFloat reads it, which the format specifies: decimals, and NaN / Inf in any case (prom-client writes `Nan`). */
function parseValue(text: string, line: string): number {
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number: ${text} in: ${line}`);
  return Number(text);
}

/** `{a="1",b="x\"y"}` into a record; throws on anything the text format does not allow. */
function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length) {
    const match = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!match || !LABEL_NAME.test(match[1]!)) throw new Error(`malformed labels in: ${line}`);
    if (match[1]! in labels) throw new Error(`label ${match[1]} twice in: ${line}`);
    labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(match[0].length);
  }
  return labels;
}

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): every sample belongs to a family
 * declared by `# TYPE` before it, with that type's suffixes; names, labels and values are well formed; no
 * series appears twice; every histogram series has cumulative buckets ending in `+Inf`, equal to its `_count`.
 * Throws with the offending line; returns the families by name.
 */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!match) continue; // a plain comment
      const [, keyword, name, rest] = match as unknown as [string, "HELP" | "TYPE", string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const family = families.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      if (keyword === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`unknown type in: ${line}`);
        if (family.samples.length) throw new Error(`TYPE after samples in: ${line}`);
        family.type = rest as Family["type"];
      } else {
        family.help = rest;
      }
      families.set(name, family);
      current = family;
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (!match) throw new Error(`malformed sample: ${line}`);
    const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    if (!current || !SUFFIXES[current.type].some((suffix) => name === current!.name + suffix)) throw new Error(`sample outside its family: ${line}`);
    const labels = labelText ? parseLabels(labelText, line) : {};
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`series twice: ${line}`);
    series.add(key);
    current.samples.push({ name, labels, value: parseValue(valueText, line) });
  }
  for (const family of families.values()) {
    if (family.type !== "histogram") continue;
    const groups = new Map<string, Sample[]>();
    for (const sample of family.samples) {
      const { le, ...rest } = sample.labels;
      if (sample.name.endsWith("_bucket") && le === undefined) throw new Error(`${family.name}: a bucket without le`);
      const key = JSON.stringify(Object.entries(rest).sort());
      groups.set(key, [...(groups.get(key) ?? []), sample]);
    }
    for (const [key, samples] of groups) {
      const buckets = samples.filter((s) => s.name.endsWith("_bucket"));
      const count = samples.find((s) => s.name.endsWith("_count"));
      if (!buckets.length || !count || !samples.some((s) => s.name.endsWith("_sum"))) throw new Error(`${family.name}${key}: buckets, _sum and _count are required`);
      const sorted = [...buckets].sort((a, b) => parseValue(a.labels.le!, "") - parseValue(b.labels.le!, ""));
      if (sorted.at(-1)!.labels.le !== "+Inf") throw new Error(`${family.name}${key}: no +Inf bucket`);
      sorted.reduce((previous, bucket) => {
        if (bucket.value < previous) throw new Error(`${family.name}${key}: buckets are not cumulative`);
        return bucket.value;
      }, 0);
      if (sorted.at(-1)!.value !== count.value) throw new Error(`${family.name}${key}: +Inf bucket ${sorted.at(-1)!.value} is not _count ${count.value}`);
    }
  }
  return families;
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  return [...families.values()].flatMap((family) => family.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)));
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there is none yet: a series appears with its first event). */
export function total(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(families, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}

/** Fetches and parses a `/metrics` endpoint, checking its content type. */
export async function scrape(url: string): Promise<Map<string, Family>> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain") || !type.includes("version=0.0.4")) throw new Error(`${url}: content type ${type}`);
  return parsePrometheusText(await response.text());
}
