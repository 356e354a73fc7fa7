import type { BlobStore } from "../blob-store/blob-store.js";
import { type ArchiveLimits, type ArchiveRefusal, readZipLayout, type RangeRead } from "./zip-layout.js";
import { inspectInWorker } from "./zip-worker.js";

/** The password the support team opens threat-case archives with. */
export const THREAT_ZIP_PASSWORD = "virus";

/** File entries whose password is verified: one is what the portal asks; a few more make a lucky ZipCrypto check byte (1 in 256) unlikely. */
const ENTRIES_TO_VERIFY = 3;

/** File entry names kept of an encrypted archive (threat analysis reads e-mails and ATTK files from them); an archive with more keeps none. */
export const ENTRY_NAMES_KEPT = 200;

/** Headroom over the central directory for the worker's reads: the end records, local headers and the first encrypted bytes of a few entries. */
const READ_HEADROOM_BYTES = 4 * 1024 * 1024;

/** Bounds of one archive inspection. */
export interface ArchiveInspectionLimits extends ArchiveLimits {
  /** The worker is terminated after this long and the archive refused. */
  timeoutMs: number;
  /** Heap of one inspection worker. */
  memoryMb: number;
  /** Inspection workers alive at once in this process; further inspections wait their turn. */
  concurrency: number;
}

/** Defaults of the configuration (see config.ts). */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveInspectionLimits = {
  maxEntries: 10_000,
  maxCentralDirectoryBytes: 4 * 1024 * 1024,
  timeoutMs: 10_000,
  // Measured: an archive at the entry limit needs ~16 MB of heap; 32 leaves room for long names.
  memoryMb: 32,
  concurrency: 2,
};

export type ArchiveVerdict = { kind: "encrypted"; entryNames: string[] | null } | { kind: "not_encrypted" } | ({ kind: "refused" } & ArchiveRefusal);

/** Reads a byte range of a stored object into memory: the few small ranges an inspection needs. */
function rangeReader(store: BlobStore, key: string): RangeRead {
  return async (start, length) => {
    if (length <= 0) return new Uint8Array(0);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read(key, { start, end: start + length - 1 })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
}

/** At most `size` tasks at once; the others wait in order. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // A waiting task takes over the slot; only when none waits does the slot free up.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Decides whether a stored object is a ZIP archive whose file entries are all encrypted with the
 * password `virus`, without letting the archive decide what that costs: its end records are read
 * and checked against the limits first (an archive over them is refused unparsed), then zip.js reads
 * the central directory and the first entries' encryption headers in a worker thread with a heap
 * limit and a time budget, a few workers at a time. An archive zip.js reads but will not trust is
 * refused as such, whatever its password: an entry name unsafe to extract (`unsafe_entry_name`),
 * overlapping entries or records past the directory's end (`malformed_archive`). Nothing is
 * extracted or decompressed.
 */
export class EncryptedZipInspector {
  private readonly slots: Slots;
  private running = 0;

  /** `workerSource` replaces the worker's program (tests only). */
  constructor(
    private readonly limits: ArchiveInspectionLimits = DEFAULT_ARCHIVE_LIMITS,
    private readonly workerSource?: string,
  ) {
    this.slots = new Slots(limits.concurrency);
  }

  /** Inspection workers alive right now. */
  get activeWorkers(): number {
    return this.running;
  }

  async inspect(store: BlobStore, key: string, size: number): Promise<ArchiveVerdict> {
    const read = rangeReader(store, key);
    const layout = await readZipLayout(read, size, this.limits);
    if (layout.kind === "not_zip") return { kind: "not_encrypted" };
    if (layout.kind === "refused") return layout;
    if (layout.entries === 0) return { kind: "not_encrypted" };
    const outcome = await this.slots.run(async () => {
      this.running++;
      try {
        return await inspectInWorker({
          size,
          centralDirectory: { offset: layout.centralDirectoryOffset, size: layout.centralDirectorySize, entries: layout.entries },
          read,
          password: THREAT_ZIP_PASSWORD,
          entriesToVerify: ENTRIES_TO_VERIFY,
          maxEntryNames: ENTRY_NAMES_KEPT,
          source: this.workerSource,
          limits: {
            timeoutMs: this.limits.timeoutMs,
            memoryMb: this.limits.memoryMb,
            maxReadBytes: layout.centralDirectorySize + READ_HEADROOM_BYTES,
            maxTotalReadBytes: 2 * layout.centralDirectorySize + 4 * READ_HEADROOM_BYTES,
          },
        });
      } finally {
        this.running--;
      }
    });
    if ("reason" in outcome) return { kind: "refused", ...outcome };
    return outcome.encrypted ? { kind: "encrypted", entryNames: outcome.entryNames } : { kind: "not_encrypted" };
  }
}

/**
 * True when the stored object is a ZIP archive whose file entries are all encrypted and open with
 * the password `virus`; false for anything else, an archive refused by the limits included.
 */
export async function isVirusEncryptedZip(store: BlobStore, key: string, size: number, inspector = new EncryptedZipInspector()): Promise<boolean> {
  return (await inspector.inspect(store, key, size)).kind === "encrypted";
}
