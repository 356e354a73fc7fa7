import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";

const CHUNK = 1 << 20;
const MIN_CHUNK = 256 * 1024;

/**
 * Reads a file that is still being written, from its first byte to `size`: at the end of what is there
 * it waits for more (checking every `pollMs`), and gives up with an error when nothing new arrived for
 * `idleMs`. The tus disk store only ever appends, so every byte read is final. This lets the gateway hand
 * a resumable upload to the attachments subgraph while it arrives, instead of after.
 */
export class TailReader extends Readable {
  private handle: FileHandle | undefined;
  private position = 0;
  private idleSince = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly size: number,
    private readonly options: { pollMs?: number; idleMs: number },
  ) {
    super({ highWaterMark: 4 * CHUNK });
  }

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.position;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, "r").then(
      (handle) => {
        this.handle = handle;
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _read(): void {
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.destroyed || !this.handle) return;
    if (this.position >= this.size) return void this.push(null);
    try {
      // Read what is there in pieces of at least MIN_CHUNK (or the rest of the file): fewer, fuller reads and
      // writes onward, and no large buffer allocated for a few bytes.
      const available = Math.min((await this.handle.stat()).size, this.size) - this.position;
      if (this.destroyed) return;
      if (available >= MIN_CHUNK || (available > 0 && this.position + available >= this.size)) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK, available));
        const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.position);
        if (this.destroyed) return;
        this.position += bytesRead;
        this.idleSince = Date.now();
        this.push(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
        return;
      }
      if (Date.now() - this.idleSince > this.options.idleMs) return void this.destroy(new Error("no new bytes arrived in time"));
      this.timer = setTimeout(() => void this.pump(), this.options.pollMs ?? 10);
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    const handle = this.handle;
    this.handle = undefined;
    (handle ? handle.close() : Promise.resolve()).then(
      () => callback(error),
      () => callback(error),
    );
  }
}
