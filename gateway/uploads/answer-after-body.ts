import type { RequestHandler } from "express";
import { isMultipart } from "./upload-forwarding.js";

/**
 * A multipart upload answered before its body has been read (refused by authentication or a rate limit,
 * its database down, its forwarding refused or failed) gets that answer once the rest of the body has
 * been read and dropped. Sent at once, the answer races the client's writes: a proxy in front (HAProxy)
 * closes the connection as soon as the answer has passed, and a client still writing its files then sees
 * a broken pipe (EPIPE) instead of the answer, its code and its Retry-After. What a client sends after an
 * early answer is read either way (Node reads an unconsumed body to reuse the connection); this only
 * holds the answer back until then. A connection that closes first gets nothing, as before; an answer
 * that closes the connection itself (`Connection: close`, to a client sending too slowly) is not held.
 */
export const answerAfterBody: RequestHandler = (req, res, next) => {
  if (req.method !== "POST" || !isMultipart(req)) return next();
  const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
  res.end = ((...args: unknown[]) => {
    // An answer that closes the connection (a client too slow to wait for) goes at once.
    if (req.complete || req.destroyed || String(res.getHeader("connection")).toLowerCase() === "close") return end(...args);
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      req.off("end", send);
      req.off("close", send);
      end(...args);
    };
    req.once("end", send);
    req.once("close", send);
    // Nobody reads the body any more: read it to its end (and drop it).
    req.resume();
    return res;
  }) as typeof res.end;
  next();
};
