import { configure, Reader, ZipReader } from "@zip.js/zip.js";
import type { BlobStore } from "../blob-store/blob-store.js";

/** The password the support team opens threat-case archives with (DOMAIN.md section 2). */
export const THREAT_ZIP_PASSWORD = "virus";

/** File entries whose password is verified: one is what the portal asks; a few more make a lucky ZipCrypto check byte (1 in 256) unlikely. */
const ENTRIES_TO_VERIFY = 3;

configure({ useWebWorkers: false });

/** Lets zip.js read the central directory and entry headers of a stored object by byte ranges, never the whole file. */
class BlobReader extends Reader<null> {
  constructor(
    private readonly store: BlobStore,
    private readonly key: string,
    size: number,
  ) {
    super(null);
    this.size = size;
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const end = Math.min(index + length, this.size) - 1;
    if (end < index) return new Uint8Array(0);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.store.read(this.key, { start: index, end })) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
}

/**
 * True when the stored object is a ZIP archive whose file entries are all encrypted and open with
 * the password `virus`. Reads the central directory and the first entries' encryption headers
 * only: nothing is extracted or decompressed.
 */
export async function isVirusEncryptedZip(store: BlobStore, key: string, size: number): Promise<boolean> {
  if (size < 22) return false;
  const zip = new ZipReader(new BlobReader(store, key, size), { useWebWorkers: false });
  try {
    const files = (await zip.getEntries()).filter((entry) => !entry.directory);
    if (files.length === 0 || files.some((entry) => !entry.encrypted)) return false;
    for (const entry of files.slice(0, ENTRIES_TO_VERIFY)) {
      await entry.getData!(new WritableStream(), { password: THREAT_ZIP_PASSWORD, checkPasswordOnly: true });
    }
    return true;
  } catch {
    // Not a ZIP, a damaged one, an unsupported encryption, or the wrong password: all are "not an archive the team can open".
    return false;
  } finally {
    await zip.close().catch(() => undefined);
  }
}
