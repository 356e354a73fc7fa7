import type { RequestHandler } from "express";
import { processRequest } from "graphql-upload-minimal";
import { ErrorCode } from "../../kit/errors.js";

/** graphql-upload-minimal's message when a request carries more files than `maxFiles`. */
const MAX_FILES_EXCEEDED = /max file uploads exceeded/;

/**
 * Parses GraphQL multipart requests (the gateway forwards uploads as a stream) into an operation
 * whose Upload values stream as the resolver reads them. The file count limit here only stops
 * abuse (refused as TOO_MANY_FILES, HTTP 413, before any part is read); within it, the contract's
 * TOO_MANY_FILES comes from the resolver, before any byte is stored.
 */
export function multipartUploads(maxFilesPerUpload: number): RequestHandler {
  return async (req, res, next) => {
    if (!/^multipart\/form-data/i.test(req.header("content-type") ?? "")) return next();
    try {
      req.body = await processRequest(req, res, { maxFiles: Math.max(10, maxFilesPerUpload * 2), maxFieldSize: 1_000_000 });
      next();
    } catch (error) {
      if (res.headersSent || res.writableEnded) return;
      const status = (error as { status?: number }).status ?? 400;
      const message = (error as Error).message;
      // Past even the abuse limit: still the contract's code for too many files, as the resolver would say.
      if (MAX_FILES_EXCEEDED.test(message)) {
        res.status(status).json({ errors: [{ message: `At most ${maxFilesPerUpload} files per upload`, extensions: { code: ErrorCode.TOO_MANY_FILES, field: "files", max: maxFilesPerUpload } }] });
        return;
      }
      res.status(status).json({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
    }
  };
}
