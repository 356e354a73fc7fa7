import { Worker } from "node:worker_threads";
import type { ArchiveRefusal, RangeRead } from "./zip-layout.js";

/** What the worker is told: the archive's size, where zip.js is, and what to check. */
interface WorkerInput {
  size: number;
  zipJsPath: string;
  password: string;
  entriesToVerify: number;
}

type WorkerMessage = { type: "read"; id: number; start: number; length: number } | { type: "result"; encrypted: boolean };

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
  const zip = new ZipReader(new RangeReader(input.size), { useWebWorkers: false, strictness: "strict" });
  const inspect = async (): Promise<boolean> => {
    try {
      // One entry at a time, keeping only those whose password is verified: the heap holds a few
      // entries, not one object per entry of the archive, and the first unencrypted file ends it.
      const toVerify: import("@zip.js/zip.js").FileEntry[] = [];
      for await (const entry of zip.getEntriesGenerator()) {
        if (entry.directory) continue;
        if (!entry.encrypted) return false;
        if (toVerify.length < input.entriesToVerify) toVerify.push(entry);
      }
      if (toVerify.length === 0) return false;
      for (const entry of toVerify) {
        await entry.getData(new WritableStream(), { password: input.password, checkPasswordOnly: true });
      }
      return true;
    } catch {
      // Not a ZIP, a damaged or ambiguous one, an unsupported encryption, or the wrong password: not an archive the team can open.
      return false;
    }
  };
  void inspect().then((encrypted) => port.postMessage({ type: "result", encrypted }));
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
  read: RangeRead;
  password: string;
  entriesToVerify: number;
  limits: ZipWorkerLimits;
  /** Replaces the worker's program (tests: a worker that hangs, crashes or eats memory). */
  source?: string;
}

const ZIP_JS_PATH = require.resolve("@zip.js/zip.js");

/**
 * Runs zip.js in a worker thread with a heap limit and a time budget, serving the byte ranges it
 * asks for through `read`. Resolves with whether every file entry is encrypted with `password`, or
 * with the refusal when the worker crashed, ran out of memory, read more than its budget or timed
 * out; the worker is always terminated before this settles. Rejects only when `read` fails (the
 * blob store's fault, not the archive's).
 */
export function inspectInWorker(job: ZipWorkerJob): Promise<{ encrypted: boolean } | ArchiveRefusal> {
  const { limits } = job;
  const input: WorkerInput = { size: job.size, zipJsPath: ZIP_JS_PATH, password: job.password, entriesToVerify: job.entriesToVerify };
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
  return new Promise<{ encrypted: boolean } | ArchiveRefusal>((resolve, reject) => {
    let settled = false;
    /** Ends the inspection with an outcome, or with the blob store's error (not the archive's fault). */
    const settle = (outcome: { encrypted: boolean } | ArchiveRefusal | { error: unknown }) => {
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
      if (message?.type === "result") return settle({ encrypted: message.encrypted === true });
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
