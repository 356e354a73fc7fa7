import type { RequestHandler } from "express";
import { processRequest } from "graphql-upload-minimal";

/**
 * Parses GraphQL multipart requests (the gateway forwards uploads as a stream) into an operation
 * whose Upload values stream as the resolver reads them. The file count limit here only stops
 * abuse; the contract's TOO_MANY_FILES comes from the resolver, before any byte is stored.
 */
export function multipartUploads(maxFilesPerUpload: number): RequestHandler {
  return async (req, res, next) => {
    if (!/^multipart\/form-data/i.test(req.header("content-type") ?? "")) return next();
    try {
      req.body = await processRequest(req, res, { maxFiles: Math.max(10, maxFilesPerUpload * 2), maxFieldSize: 1_000_000 });
      next();
    } catch (error) {
      const status = (error as { status?: number }).status ?? 400;
      if (!res.headersSent && !res.writableEnded) {
        res.status(status).json({ errors: [{ message: (error as Error).message, extensions: { code: "BAD_REQUEST" } }] });
      }
    }
  };
}
