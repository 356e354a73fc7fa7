import { domainError, ErrorCode } from "../../kit/errors.js";
import type { Principal } from "../../kit/principal.js";

/**
 * Uploads in flight per user or API key, so that one caller cannot hold every connection, worker
 * and temporary byte of the service. Counted in this process: with several replicas, each one
 * allows the maximum.
 */
export class UploadSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly maxPerPrincipal: number) {}

  /** Takes one of the caller's slots, or fails with TOO_MANY_UPLOADS; the returned function gives it back (once). */
  acquire(principal: Principal): () => void {
    const key = `${principal.kind}:${principal.id}`;
    const count = this.inFlight.get(key) ?? 0;
    if (count >= this.maxPerPrincipal) {
      throw domainError(ErrorCode.TOO_MANY_UPLOADS, `At most ${this.maxPerPrincipal} uploads at a time per caller: retry when one has finished`, {
        max: this.maxPerPrincipal,
      });
    }
    this.inFlight.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }

  /** Uploads in flight of one caller. */
  count(principal: Principal): number {
    return this.inFlight.get(`${principal.kind}:${principal.id}`) ?? 0;
  }
}
