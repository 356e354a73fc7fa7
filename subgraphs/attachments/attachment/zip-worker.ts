import { Worker } from "node:worker_threads";
import type { ArchiveRefusal, ArchiveRefusalReason, RangeRead } from "./zip-layout.js";

/** Where the end records put the central directory (checked by `readZipLayout`). */
export interface CentralDirectory {
  offset: number;
  size: number;
  entries: number;
}

/** What the worker is told: the archive's size and central directory, where zip.js is, and what to check. */
interface WorkerInput {
  size: number;
  centralDirectory: CentralDirectory;
  zipJsPath: string;
  password: string;
  entriesToVerify: number;
  /** File entry names to report; an archive with more file entries reports none (`entryNames: null`). */
  maxEntryNames: number;
}

/** Refusals the worker itself may answer with: the archive is readable as a ZIP, but not safely. */
type WorkerRefusalReason = Extract<ArchiveRefusalReason, "unsafe_entry_name" | "malformed_archive">;

type WorkerMessage = { type: "read"; id: number; start: number; length: number } | { type: "result"; encrypted: boolean; entryNames?: unknown } | { type: "refused"; reason: WorkerRefusalReason; detail: string };

/**
 * The worker's program. It runs from its source text (`new Worker(source, { eval: true })`), which is
 * what makes one worker work both from tsc's output and under vitest, which runs this file as
 * TypeScript that a plain worker could not load: so it uses nothing of this module, only `require`
 * and `workerData`. It asks the main thread for every byte range it reads, so it needs neither the
 * blob store nor its credentials, and the main thread decides how much it may read.
 */
function zipInspectionWorker(): void {
  const threads = require("node:worker_threads") as typeof import("node:worker_threads");
  const input = threads.workerData as WorkerInput;
  const { configure, Reader, ZipReader } = require(input.zipJsPath) as typeof import("@zip.js/zip.js");
  const port = threads.parentPort!;
  configure({ useWebWorkers: false, chunkSize: 64 * 1024 });
  const pending = new Map<number, (bytes: Uint8Array) => void>();
  let nextId = 0;
  port.on("message", (message: { id: number; bytes: Uint8Array }) => {
    pending.get(message.id)?.(message.bytes);
    pending.delete(message.id);
  });
  class RangeReader extends Reader<null> {
    constructor(size: number) {
      super(null);
      this.size = size;
    }
    override readUint8Array(start: number, length: number): Promise<Uint8Array> {
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        port.postMessage({ type: "read", id, start, length });
      });
    }
  }
  const reader = new RangeReader(input.size);
  const zip = new ZipReader(reader, { useWebWorkers: false, strictness: "strict" });
  type Outcome = { type: "result"; encrypted: boolean; entryNames?: string[] | null } | { type: "refused"; reason: WorkerRefusalReason; detail: string };
  const refused = (reason: WorkerRefusalReason, detail: string): Outcome => ({ type: "refused", reason, detail });
  /**
   * zip.js cuts a name that runs past the end of the central directory short without a word, and
   * reads on from wherever that leaves it: each record's lengths are checked against the directory first.
   */
  const directoryOverrun = async (): Promise<Outcome | null> => {
    const { offset, size, entries } = input.centralDirectory;
    const directory = await reader.readUint8Array(offset, size);
    const data = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
    let at = 0;
    for (let index = 0; index < entries; index++) {
      if (at + 46 > directory.length || data.getUint32(at, true) !== 0x02014b50) return refused("malformed_archive", "its central directory does not hold the entry records it declares");
      at += 46 + data.getUint16(at + 28, true) + data.getUint16(at + 30, true) + data.getUint16(at + 32, true);
      if (at > directory.length) return refused("malformed_archive", "an entry's record runs past the end of its central directory");
    }
    return null;
  };
  /** What zip.js (strict) throws for an archive it can read but will not trust; anything else means "not an archive the team can open". */
  const refusalFor = (error: unknown): Outcome | null => {
    const message = error instanceof Error ? error.message : "";
    if (message === "Unsafe filename") {
      return refused("unsafe_entry_name", "it has an entry whose name is unsafe to extract (a parent folder, an absolute path, a drive letter, NUL or an empty or . part)");
    }
    const structural = ["Ambiguous archive", "Overlapping entry found", "Local file header not found", "Central directory header not found", "Entry data out of bounds"];
    return structural.includes(message) ? refused("malformed_archive", "its entries overlap or are not where its central directory says") : null;
  };
  const inspect = async (): Promise<Outcome> => {
    const encrypted = (value: boolean): Outcome => ({ type: "result", encrypted: value });
    try {
      const overrun = await directoryOverrun();
      if (overrun) return overrun;
      // One entry at a time, keeping only those whose password is verified: the heap holds a few
      // entries, not one object per entry of the archive, and the first unencrypted file ends it.
      const toVerify: import("@zip.js/zip.js").FileEntry[] = [];
      // The names of the file entries (readable without the password): what threat analysis takes an archive's e-mails and ATTK files from.
      let entryNames: string[] | null = [];
      for await (const entry of zip.getEntriesGenerator()) {
        if (entry.directory) continue;
        if (!entry.encrypted) return encrypted(false);
        if (toVerify.length < input.entriesToVerify) toVerify.push(entry);
        if (entryNames && entryNames.length < input.maxEntryNames) entryNames.push(String(entry.filename));
        else entryNames = null;
      }
      if (toVerify.length === 0) return encrypted(false);
      for (const entry of toVerify) {
        await entry.getData(new WritableStream(), { password: input.password, checkPasswordOnly: true });
      }
      return { type: "result", encrypted: true, entryNames };
    } catch (error) {
      // Unsafe names and broken structure are said as such; an unsupported encryption or the wrong password is "not encrypted with it".
      return refusalFor(error) ?? encrypted(false);
    }
  };
  void inspect().then((outcome) => port.postMessage(outcome));
}

const WORKER_SOURCE = `(${zipInspectionWorker.toString()})();`;

/** How one inspection may use the machine. */
export interface ZipWorkerLimits {
  /** The worker is terminated after this long. */
  timeoutMs: number;
  /** V8 heap of the worker (old generation); beyond it the worker dies, never the process. */
  memoryMb: number;
  /** The largest single read the worker may ask for. */
  maxReadBytes: number;
  /** All reads of one inspection together. */
  maxTotalReadBytes: number;
}

export interface ZipWorkerJob {
  size: number;
  centralDirectory: CentralDirectory;
  read: RangeRead;
  password: string;
  entriesToVerify: number;
  limits: ZipWorkerLimits;
  /** File entry names to report at most (default none); an archive with more reports `entryNames: null`. */
  maxEntryNames?: number;
  /** Replaces the worker's program (tests: a worker that hangs, crashes or eats memory). */
  source?: string;
}

/** What an inspection found, when the archive was not refused. */
export interface InspectionResult {
  encrypted: boolean;
  /**
   * The names of the archive's file entries (paths inside it), when it is encrypted and has at most
   * `maxEntryNames` of them; without control or bidi-override characters, each at most 255 characters.
   */
  entryNames: string[] | null;
}

/** Characters a name must not carry (as in upload.service.ts): controls, line separators, bidi overrides and isolates. */
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The worker's names, checked as anything coming out of a parser of hostile input: strings, bounded, safe to show. */
function entryNamesOf(reported: unknown, max: number): string[] | null {
  if (!Array.isArray(reported) || reported.length > max || !reported.every((name) => typeof name === "string")) return null;
  return reported.map((name: string) => [...name.replace(UNSAFE_IN_NAMES, "").trim()].slice(0, 255).join("")).filter((name) => name.length > 0);
}

const ZIP_JS_PATH = require.resolve("@zip.js/zip.js");

/**
 * Runs zip.js in a worker thread with a heap limit and a time budget, serving the byte ranges it
 * asks for through `read`. Resolves with whether every file entry is encrypted with `password`, or
 * with the refusal when an entry's name is unsafe to extract, the entries are structurally broken
 * (overlapping, a record past the directory's end), or the worker crashed, ran out of memory, read
 * more than its budget or timed out; the worker is always terminated before this settles. Rejects only when `read` fails (the
 * blob store's fault, not the archive's).
 */
export function inspectInWorker(job: ZipWorkerJob): Promise<InspectionResult | ArchiveRefusal> {
  const { limits } = job;
  const maxEntryNames = job.maxEntryNames ?? 0;
  const input: WorkerInput = { size: job.size, centralDirectory: job.centralDirectory, zipJsPath: ZIP_JS_PATH, password: job.password, entriesToVerify: job.entriesToVerify, maxEntryNames };
  const worker = new Worker(job.source ?? WORKER_SOURCE, {
    eval: true,
    workerData: input,
    resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.ceil(limits.memoryMb / 4)), codeRangeSizeMb: 16, stackSizeMb: 4 },
    stdout: true,
    stderr: true,
  });
  // Nothing a worker prints is needed; unread, its output would pile up in memory.
  worker.stdout.resume();
  worker.stderr.resume();
  let bytesRead = 0;
  return new Promise<InspectionResult | ArchiveRefusal>((resolve, reject) => {
    let settled = false;
    /** Ends the inspection with an outcome, or with the blob store's error (not the archive's fault). */
    const settle = (outcome: InspectionResult | ArchiveRefusal | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const done = () => ("error" in outcome ? reject(outcome.error) : resolve(outcome));
      void worker.terminate().then(done, done);
    };
    const failed = (detail: string) => settle({ reason: "inspection_failed", detail });
    const timer = setTimeout(() => settle({ reason: "inspection_timeout", detail: `inspecting it took longer than ${limits.timeoutMs} ms` }), limits.timeoutMs);
    worker.on("error", (error: Error & { code?: string }) => failed(error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "inspecting it needed more memory than allowed" : "its inspection failed"));
    worker.on("exit", () => failed("its inspection stopped without an answer"));
    worker.on("message", (message: WorkerMessage) => {
      if (settled) return;
      if (message?.type === "result") {
        const encrypted = message.encrypted === true;
        return settle({ encrypted, entryNames: encrypted ? entryNamesOf(message.entryNames, maxEntryNames) : null });
      }
      if (message?.type === "refused" && (message.reason === "unsafe_entry_name" || message.reason === "malformed_archive")) {
        return settle({ reason: message.reason, detail: String(message.detail) });
      }
      if (message?.type !== "read") return failed("its inspection sent an unexpected message");
      const { id, start, length } = message;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0) return failed("its inspection asked for an invalid range");
      const clamped = Math.max(0, Math.min(length, job.size - start));
      bytesRead += clamped;
      if (clamped > limits.maxReadBytes || bytesRead > limits.maxTotalReadBytes) return failed("inspecting it needed to read more than its central directory explains");
      const answer = clamped === 0 ? Promise.resolve(new Uint8Array(0)) : job.read(start, clamped);
      answer.then(
        (bytes) => {
          if (settled) return;
          // A copy, handed over rather than cloned: bytes read from a stream may share a pooled buffer with unrelated data.
          const copy = new Uint8Array(bytes);
          worker.postMessage({ id, bytes: copy }, [copy.buffer]);
        },
        (error: unknown) => settle({ error }),
      );
    });
  });
}
