import { badInput } from "../../kit/errors.js";
import { CONFIRM_RESERVATION, RELEASE_RESERVATION, RESERVE_ATTACHMENTS, type ReservedFile } from "../../kit/reservation-protocol.js";
import { querySubgraph } from "../../kit/subgraph-client.js";

/**
 * What the attachments subgraph needs to know about the case its files join. The cases subgraph
 * states it (it has checked that the caller may see the case; organization and inquiry type never
 * change), so the attachments subgraph does not call back.
 */
export interface ReservationTarget {
  caseId: string;
  /** Null when the case is being registered: then the caller's own uploads for the organization may join it. */
  updateId: string | null;
  organizationId: string;
  inquiryType: string;
  /** The update reopens a closed case: it may take the caller's own uploads for the organization too, as a registration does. */
  reopening?: boolean;
}

/**
 * The attachments subgraph's side of attaching files (see ReservationCoordinator for the steps).
 * Every call is idempotent; each is made as the caller, with its gateway-signed `identityToken`.
 */
export interface AttachmentLinker {
  /**
   * Holds the files for `reservationId`, or fails with the reason they cannot join the case: a file
   * that is not one of the caller's own STAGED uploads of this case (at registration or on a reopening
   * update, also of the organization), more than MAX_FILES_PER_UPLOAD files (the attachments subgraph's
   * one setting, which uploads obey too), or on a THREAT case a file that is not a ZIP encrypted with
   * the password `virus`. Answers the held files with their names.
   */
  reserve(identityToken: string, reservationId: string, target: ReservationTarget, attachmentIds: string[]): Promise<ReservedFile[]>;
  /** The held files become ATTACHED to the case (and update). */
  confirm(identityToken: string, reservationId: string): Promise<void>;
  /** The held files are STAGED again; a reserve arriving later fails. */
  release(identityToken: string, reservationId: string, caseId: string): Promise<void>;
}

/** Refuses attachment ids until an attachments subgraph is wired in. */
export const noAttachments: AttachmentLinker = {
  async reserve(_identityToken, _reservationId, _target, attachmentIds) {
    if (attachmentIds.length > 0) throw badInput("attachmentIds", "attachments are not available in this deployment");
    return [];
  },
  async confirm() {},
  async release() {},
};

/**
 * The attachments subgraph's `@inaccessible` reserveAttachments / confirmReservation /
 * releaseReservation over HTTP, with the caller's own identity token (the gateway names the
 * attachments subgraph in the audience of the tokens it signs for cases), so that its visibility
 * rules decide. Its contract errors (NOT_FOUND, TOO_MANY_FILES, ENCRYPTED_ZIP_REQUIRED, ...) reach
 * the client as they are.
 */
export class HttpAttachmentLinker implements AttachmentLinker {
  constructor(
    private readonly attachmentsUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async reserve(identityToken: string, reservationId: string, target: ReservationTarget, attachmentIds: string[]): Promise<ReservedFile[]> {
    const data = await this.call<{ reserveAttachments: ReservedFile[] | null }>(identityToken, RESERVE_ATTACHMENTS, { reservationId, ...target, ids: attachmentIds });
    return data?.reserveAttachments ?? [];
  }

  async confirm(identityToken: string, reservationId: string): Promise<void> {
    await this.call(identityToken, CONFIRM_RESERVATION, { reservationId });
  }

  async release(identityToken: string, reservationId: string, caseId: string): Promise<void> {
    await this.call(identityToken, RELEASE_RESERVATION, { reservationId, caseId });
  }

  private async call<T = unknown>(identityToken: string, query: string, variables: Record<string, unknown>): Promise<T> {
    return querySubgraph<T>({ url: this.attachmentsUrl, subgraph: "attachments", identityToken, timeoutMs: this.timeoutMs }, query, variables);
  }
}
