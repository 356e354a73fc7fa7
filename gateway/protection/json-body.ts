import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * How deeply a JSON request body may nest objects and arrays. The deepest input of the public schema
 * is a handful of levels; anything far deeper is an attack on whatever walks the value recursively
 * (JSON.stringify overflows its stack at about 10,000 levels).
 */
export const MAX_JSON_NESTING = 64;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of objects and arrays in JSON text, stopping once it passes `limit` (strings are skipped). */
export function jsonNesting(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return deepest;
}

/** An error body-parser passes on with this status and type; `maskRequestErrors` answers it. */
function refusal(message: string, type: string, limit?: number): Error {
  return Object.assign(new Error(message), { status: 400, type, limit });
}

/**
 * The `verify` hook of `express.json`: runs on the raw bytes, after the size limit and before
 * JSON.parse. Refuses a body that is not UTF-8 (JSON exchanged between systems must be; decoding would
 * quietly turn the bytes into U+FFFD and store that) and one nested deeper than `maxNesting`.
 */
export function checkJsonBody(maxNesting = MAX_JSON_NESTING): (req: IncomingMessage, res: ServerResponse, body: Buffer) => void {
  return (_req, _res, body) => {
    if (!isUtf8(body)) throw refusal("Request body is not valid UTF-8", "entity.invalid.utf8");
    if (jsonNesting(body, maxNesting) > maxNesting) throw refusal(`Request body nests objects and arrays deeper than ${maxNesting} levels`, "entity.too.deep", maxNesting);
  };
}
