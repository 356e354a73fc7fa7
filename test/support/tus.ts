import { type DetailedError, type HttpResponse, Upload } from "tus-js-client";

export interface TusResult {
  /** The upload's URL (absolute, as the client resolved the gateway's relative Location). */
  url: string;
  /** The STAGED attachment the finished upload became. */
  attachmentId: string | undefined;
  lastResponse: HttpResponse;
}

export interface TusFailure {
  url: string | null;
  status: number | undefined;
  body: string | undefined;
  error: Error;
}

/**
 * One tus-js-client upload of `data` to `endpoint` (the gateway's /uploads/tus, or a proxy in front of
 * it): resolves when it finishes, rejects with the status and body of the answer that stopped it.
 * `uploadUrl` resumes an earlier upload from the offset the server reports.
 */
export function tusUpload(
  endpoint: string,
  data: Buffer,
  options: { headers: Record<string, string>; metadata?: Record<string, string>; uploadUrl?: string; chunkSize?: number; onUrl?: (url: string) => void; onUpload?: (upload: Upload) => void },
): Promise<TusResult> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(data, {
      endpoint,
      ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
      headers: options.headers,
      metadata: options.metadata ?? {},
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      // No automatic retries: a test decides when to resume, and sees every failure.
      retryDelays: null,
      storeFingerprintForResuming: false,
      onUploadUrlAvailable: () => options.onUrl?.(upload.url!),
      onSuccess: ({ lastResponse }) => resolve({ url: upload.url!, attachmentId: lastResponse.getHeader("attachment-id"), lastResponse }),
      onError: (error) => {
        const detailed = error as DetailedError;
        const failure: TusFailure = { url: upload.url, status: detailed.originalResponse?.getStatus(), body: detailed.originalResponse?.getBody(), error };
        reject(Object.assign(new Error(`tus upload failed: ${failure.status ?? "no answer"} ${failure.body ?? error.message}`), failure));
      },
    });
    options.onUpload?.(upload);
    upload.start();
  });
}

/** The rejection of `tusUpload`, with its status and body. */
export async function tusFailure(promise: Promise<unknown>): Promise<TusFailure> {
  try {
    await promise;
  } catch (error) {
    return error as TusFailure;
  }
  throw new Error("the upload was expected to fail");
}
