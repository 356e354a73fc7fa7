import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { DataSource, EntityManager } from "typeorm";
import { CaseOrderField, CaseStatus, CaseSubStatus, InquiryType, OrderDirection, SEVERITY_RANK, Severity } from "../../subgraphs/cases/case/case.enums.js";
import { countNewCases } from "../../subgraphs/cases/case/case.counts.js";
import { searchCases } from "../../subgraphs/cases/case/case.search.js";
import { casesEntities } from "../../subgraphs/cases/cases.entities.js";
import { ensureReferenceData } from "../../subgraphs/cases/demo/reference-data.js";
import { casesMigrations } from "../../subgraphs/cases/migrations/index.js";
import { CaseResponseTargets } from "../../subgraphs/cases/response-target/response-target.service.js";
import { CaseSearchIndex } from "../../subgraphs/cases/search/search-index.js";
import { prepareSearchPlan, type SearchPlanKind } from "../../subgraphs/cases/search/search-plan.js";
import { ActorRole } from "../../subgraphs/kit/actor.js";
import { createDataSource } from "../../subgraphs/kit/database.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { readResponseTargets } from "../../subgraphs/kit/response-targets.js";
import { isMysql } from "../../subgraphs/kit/transaction.js";

/*
 * Search latency at scale (npm run bench, section 13; alone: npm run bench -- --search): cases and
 * updates are bulk-loaded straight into a cases database, their search documents made by the
 * service's own indexer (CaseSearchIndex.backfill), then `searchCases` (what `cases(filter: { search })`
 * runs in the cases subgraph: visibility, match, ranking, a page of 20 and its snippets) is timed in
 * process, one query at a time.
 */

const CUSTOMER = { id: "u-acme-customer", name: "Aiko Tanaka", role: ActorRole.CUSTOMER, email: "customer@acme.example" };
const ENGINEER = { id: "u-engineer", name: "Kenji Sato", role: ActorRole.ENGINEER, email: "engineer@support.example" };
const ACME: Principal = { kind: "user", id: CUSTOMER.id, name: CUSTOMER.name, role: "customer", organizationIds: ["acme"], scopes: ["cases:read"] };

/** Everyday support vocabulary: the words every case draws from. */
const ENGLISH = (
  "agent server console pattern update upgrade install uninstall scan schedule policy endpoint machine client network proxy log logs error " +
  "warning timeout restart reboot service license expired quarantine folder file memory cpu disk slow offline online report dashboard " +
  "firewall certificate database backup restore version build windows linux mac driver kernel module crash hang alert event mail"
).split(" ");
const JAPANESE = "エージェント サーバー 管理 コンソール パターン ファイル 更新 検索 再起動 ログ 確認 設定 エラー 発生 対応 端末 通信 動作 停止 原因 調査 結果 報告 手順 問題 解決 状況".split(" ");
/** The Japanese two-character word measured: in one case in ten (the title of one case in twenty, an update of another). */
export const JAPANESE_WORD = "駆除";
/** The rare word measured: in 5 cases of the whole set. */
export const RARE_WORD = "kestrelwidget";
/** The common word measured: in most cases. */
export const COMMON_WORD = "agent";

/** A small deterministic generator, so that every run measures the same text. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A sentence of `words` words, in half of the sentences written as Japanese is (no space between Japanese
 * words, nor between a Japanese word and an English one: "agentのエラー"), in the others with a space
 * between all words. Two English words are always apart ("agent server"): real text never runs them
 * together, and a search for a Latin word matches every word it begins, so fused ones ("agentserver")
 * would make thousands of distinct words per prefix that no real vocabulary has.
 */
function sentence(random: () => number, words: number): string {
  const parts: { text: string; latin: boolean }[] = [];
  for (let i = 0; i < words; i++) {
    const japanese = random() < 0.4;
    const list = japanese ? JAPANESE : ENGLISH;
    parts.push({ text: list[Math.floor(random() * list.length)]!, latin: !japanese });
    if (japanese && random() < 0.5) parts.push({ text: ["が", "を", "に", "の", "で"][Math.floor(random() * 5)]!, latin: false });
  }
  const runTogether = random() < 0.5;
  return parts.map((part, i) => (i === 0 ? "" : part.latin && parts[i - 1]!.latin ? " " : runTogether ? "" : " ") + part.text).join("");
}

async function insertRows(tx: EntityManager, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const mysql = isMysql(tx.connection);
  const quote = (name: string) => (mysql ? `\`${name}\`` : `"${name}"`);
  const values = rows.map((row) => `(${row.map(() => "?").join(", ")})`).join(", ");
  await tx.query(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${values}`, rows.flat());
}

/** `cases` acme cases with `updatesPerCase` updates each, inserted in chunks of multi-row INSERTs. */
export async function loadSearchData(dataSource: DataSource, cases: number, updatesPerCase: number, log: (line: string) => void): Promise<void> {
  await ensureReferenceData(dataSource);
  const random = prng(42);
  const base = Date.parse("2025-01-01T00:00:00.000Z");
  const mysql = isMysql(dataSource);
  const date = (ms: number) => (mysql ? new Date(ms) : new Date(ms).toISOString().replace("T", " ").replace("Z", ""));
  const chunk = mysql ? 500 : 200;
  const rare = new Set([7, cases / 5, (2 * cases) / 5, (3 * cases) / 5, cases - 3].map(Math.floor));
  const caseColumns = [
    "id",
    "case_number",
    "organization_id",
    "title",
    "description",
    "status",
    "sub_status",
    "severity",
    "severity_rank",
    "inquiry_type",
    "threat_category",
    "problem_category",
    "product_profile_id",
    "contact_name",
    "registrant_id",
    "registrant_name",
    "registrant_role",
    "registrant_email",
    "cc_emails",
    "business_impact",
    "created_at",
    "updated_at",
    "closed_at",
    "version",
    "last_customer_activity_at",
    "sub_status_changed_at",
  ];
  const updateColumns = ["id", "case_id", "body", "author_id", "author_name", "author_role", "author_email", "requested_reopen", "created_at"];
  for (let start = 0; start < cases; start += chunk) {
    const caseRows: unknown[][] = [];
    const updateRows: unknown[][] = [];
    for (let i = start; i < Math.min(start + chunk, cases); i++) {
      const id = randomUUID();
      const at = base + i * 300_000;
      // The Japanese word is in some titles (a title match ranks first) and in one update of others.
      const title = `${sentence(random, 5)}${i % 20 === 3 ? ` ${JAPANESE_WORD}失敗` : ""}`;
      const description = `${sentence(random, 30)}${i % 2 === 0 ? ` ${COMMON_WORD} ` : " "}${rare.has(i) ? RARE_WORD : ""}`;
      const severity = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL][i % 4]!;
      caseRows.push([
        id,
        `C-2025-${String(i).padStart(7, "0")}`,
        "acme",
        title.slice(0, 200),
        description,
        CaseStatus.OPEN,
        CaseSubStatus.IN_PROGRESS,
        severity,
        SEVERITY_RANK[severity],
        InquiryType.PRODUCT,
        null,
        "MALFUNCTION",
        "acme-endpoint",
        CUSTOMER.name,
        CUSTOMER.id,
        CUSTOMER.name,
        CUSTOMER.role,
        CUSTOMER.email,
        "[]",
        null,
        date(at),
        date(at + updatesPerCase * 1000),
        null,
        1 + updatesPerCase,
        date(at),
        date(at),
      ]);
      for (let n = 0; n < updatesPerCase; n++) {
        const author = n % 2 === 0 ? CUSTOMER : ENGINEER;
        const body = `${sentence(random, 12)}${i % 20 === 11 && n === 4 ? ` ${JAPANESE_WORD}できません` : ""}`;
        updateRows.push([randomUUID(), id, body, author.id, author.name, author.role, author.email, 0, date(at + n * 1000)]);
      }
    }
    await dataSource.transaction(async (tx) => {
      await insertRows(tx, "cases", caseColumns, caseRows);
      const fact = (row: unknown[], column: string) => row[caseColumns.indexOf(column)] as never;
      await countNewCases(
        tx,
        caseRows.map((row) => ({ organizationId: fact(row, "organization_id"), status: fact(row, "status"), subStatus: fact(row, "sub_status"), severity: fact(row, "severity"), inquiryType: fact(row, "inquiry_type") })),
      );
      // SQLite binds at most 32,766 parameters per statement: 500 updates of 9 columns stay under it.
      for (let u = 0; u < updateRows.length; u += 500) await insertRows(tx, "case_updates", updateColumns, updateRows.slice(u, u + 500));
    });
    if ((start / chunk) % 50 === 0) log(`  loaded ${Math.min(start + chunk, cases).toLocaleString("en-US")} cases`);
  }
}

/** Sampling time per figure at most (see measure). */
const SAMPLE_BUDGET_MS = 60_000;

export interface SearchLatency {
  label: string;
  query: string;
  matches: number;
  samples: number;
  p50: number;
  p99: number;
  /** CPU time of this process per search (SQLite runs in it; MySQL's share is the server's), p50 and p99: steadier than wall time on a loaded machine. */
  cpuP50: number;
  cpuP99: number;
  countP50: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** p50 / p99 of one search: a page of 20 by relevance with its snippets; separately the totalCount (5 samples). */
async function measure(dataSource: DataSource, plan: SearchPlanKind, label: string, query: string, iterations: number): Promise<SearchLatency> {
  const responseTargets = new CaseResponseTargets(readResponseTargets({}), () => new Date());
  const run = async () => {
    const connection = await searchCases(dataSource, ACME, { first: 20, filter: { search: query }, orderBy: { field: CaseOrderField.RELEVANCE, direction: OrderDirection.DESC }, responseTargets, searchPlan: plan });
    await Promise.all(connection.edges.map((edge) => edge.searchSnippet?.() ?? Promise.resolve(null)));
    return connection;
  };
  const first = await run();
  const matches = await first.countTotal();
  const pages: number[] = [];
  const cpu: number[] = [];
  const counts: number[] = [];
  // A figure gets `iterations` samples, or as many as fit in SAMPLE_BUDGET_MS (at least 5): a plan that takes seconds per search must not hold the bench for an hour.
  const deadline = Date.now() + SAMPLE_BUDGET_MS;
  for (let i = 0; i < iterations && (i < 5 || Date.now() < deadline); i++) {
    const started = process.hrtime.bigint();
    const cpuStarted = process.cpuUsage();
    const connection = await run();
    pages.push(Number(process.hrtime.bigint() - started) / 1e6);
    const used = process.cpuUsage(cpuStarted);
    cpu.push((used.user + used.system) / 1000);
    if (i < 5) {
      const counted = process.hrtime.bigint();
      await connection.countTotal();
      counts.push(Number(process.hrtime.bigint() - counted) / 1e6);
    }
  }
  for (const list of [pages, cpu, counts]) list.sort((a, b) => a - b);
  return { label, query, matches, samples: pages.length, p50: percentile(pages, 50), p99: percentile(pages, 99), cpuP50: percentile(cpu, 50), cpuP99: percentile(cpu, 99), countP50: percentile(counts, 50) };
}

async function measureLogged(dataSource: DataSource, plan: SearchPlanKind, label: string, query: string, iterations: number, log: (line: string) => void): Promise<SearchLatency> {
  const result = await measure(dataSource, plan, label, query, iterations);
  log(
    `  "${query}" (${result.matches} matches): p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (CPU p50 ${result.cpuP50.toFixed(1)}, p99 ${result.cpuP99.toFixed(1)} ms), totalCount p50 ${result.countP50.toFixed(1)} ms`,
  );
  return result;
}

export interface SearchBenchResult {
  database: string;
  plan: SearchPlanKind;
  /** The database was kept from an earlier run (BENCH_SEARCH_DIR): nothing loaded. */
  reused: boolean;
  loadSeconds: number;
  indexSeconds: number;
  /** The machine's 1-minute load average when the measuring started and when it ended (other work on the machine shows here). */
  loadAverage: [number, number];
  latencies: SearchLatency[];
}

/**
 * Loads `cases` cases and `cases * updatesPerCase` updates into a fresh cases database (SQLite under `dataDir`, or MySQL at `mysqlUrl`), indexes them, measures.
 * A database kept from an earlier run (`reuse`: BENCH_SEARCH_DIR) that already holds `cases` cases is measured as it is: no load,
 * only the documents it lacks are indexed (none, unless a change emptied case_search_documents).
 */
export async function benchSearch(options: { dataDir: string; mysqlUrl?: string; cases: number; updatesPerCase: number; iterations: number; reuse?: boolean; log: (line: string) => void }): Promise<SearchBenchResult> {
  const { log } = options;
  const dataSource = createDataSource({ url: options.mysqlUrl, sqlitePath: join(options.dataDir, "search-bench.sqlite"), entities: casesEntities, migrations: casesMigrations, poolSize: 4 });
  await dataSource.initialize();
  try {
    const plan = await prepareSearchPlan(dataSource, { info: () => undefined, warn: (_fields, message) => log(message) });
    const database = options.mysqlUrl ? `MySQL ${(await dataSource.query<{ v: string }[]>("SELECT VERSION() AS v"))[0]!.v}` : "SQLite (embedded default)";
    const present = (await dataSource.query<{ n: number | string }[]>("SELECT COUNT(*) AS n FROM cases"))[0]?.n ?? 0;
    const loaded = options.reuse === true && Number(present) === options.cases;
    let started = Date.now();
    if (loaded) log(`search on ${database}, plan ${plan}: reusing the ${options.cases.toLocaleString("en-US")} cases loaded earlier`);
    else {
      log(`search on ${database}, plan ${plan}: loading ${options.cases.toLocaleString("en-US")} cases, ${(options.cases * options.updatesPerCase).toLocaleString("en-US")} updates`);
      if (Number(present) > 0) throw new Error(`the search bench database holds ${present} cases, not ${options.cases}: remove it (BENCH_SEARCH_DIR) first`);
      await loadSearchData(dataSource, options.cases, options.updatesPerCase, log);
    }
    const loadSeconds = (Date.now() - started) / 1000;
    started = Date.now();
    const indexed = await new CaseSearchIndex(dataSource, () => new Date()).backfill(1000, (done) => {
      if (done % 20_000 === 0) log(`  indexed ${done.toLocaleString("en-US")} cases`);
    });
    const indexSeconds = (Date.now() - started) / 1000;
    // After a bulk load, table statistics (the cases subgraph has SQLite gather them at start: prepareSearchPlan).
    if (!loaded || indexed > 0) await dataSource.query(options.mysqlUrl ? "ANALYZE TABLE cases, case_updates, case_search_documents" : "ANALYZE");
    log(`  loaded in ${loadSeconds.toFixed(0)} s, indexed ${indexed.toLocaleString("en-US")} in ${indexSeconds.toFixed(0)} s; measuring`);
    const loadBefore = loadavg()[0]!;
    const latencies = [
      await measureLogged(dataSource, plan, "common word", COMMON_WORD, options.iterations, log),
      await measureLogged(dataSource, plan, "rare word", RARE_WORD, options.iterations, log),
      await measureLogged(dataSource, plan, "Japanese two-character word", JAPANESE_WORD, options.iterations, log),
      await measureLogged(dataSource, plan, "two words (AND)", `${COMMON_WORD} ${JAPANESE_WORD}`, options.iterations, log),
    ];
    return { database, plan, reused: loaded, loadSeconds, indexSeconds, loadAverage: [loadBefore, loadavg()[0]!], latencies };
  } finally {
    await dataSource.destroy();
  }
}

/** Table rows (measure, result, detail, note) of one database's search figures. */
export function searchRows(result: SearchBenchResult, cases: number, updates: number): string[][] {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return [
    [
      `13. search, ${result.database}: ${cases.toLocaleString("en-US")} cases, ${updates.toLocaleString("en-US")} updates`,
      `plan ${result.plan}`,
      result.reused ? "a database loaded by an earlier run (BENCH_SEARCH_DIR)" : `bulk load ${result.loadSeconds.toFixed(0)} s, indexing ${result.indexSeconds.toFixed(0)} s`,
      `load average ${result.loadAverage.map((n) => n.toFixed(1)).join(" → ")} while measured`,
    ],
    ...result.latencies.map((l) => [
      `13. search "${l.query}" (${l.label}; ${l.matches.toLocaleString("en-US")} matches), page of 20 by relevance with snippets`,
      `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}`,
      `${l.samples} searches; CPU of the process p50 ${ms(l.cpuP50)}, p99 ${ms(l.cpuP99)}; totalCount p50 ${ms(l.countP50)}`,
      l.p99 <= 100 ? "target p99 ≤ 100 ms: met" : "target p99 ≤ 100 ms: missed",
    ]),
  ];
}
