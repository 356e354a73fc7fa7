/*
 * The operations by which files join a case, shared by the three parties that speak them: the cases
 * subgraph (which drives the steps), the attachments subgraph (which owns the files) and the
 * gateway's relay (which delivers what a request could not). The protocol itself is described on
 * the cases subgraph's ReservationCoordinator. Every field here is `@inaccessible`: no client reaches it.
 */

/**
 * attachments: holds STAGED files for a reservation, after checking the rules with the case facts
 * given, and answers their names (the cases subgraph indexes them for search in the transaction that
 * commits the change they come with: names are fixed at upload, so nothing later can contradict them).
 */
export const RESERVE_ATTACHMENTS = `mutation ReserveAttachments($reservationId: ID!, $caseId: ID!, $updateId: ID, $organizationId: ID!, $inquiryType: String!, $ids: [ID!]!, $reopening: Boolean) {
  reserveAttachments(reservationId: $reservationId, caseId: $caseId, updateId: $updateId, organizationId: $organizationId, inquiryType: $inquiryType, ids: $ids, reopening: $reopening) { id fileName }
}`;

/**
 * `extensions.reason` of the CONFLICT for a file another request holds (reserved, not yet confirmed or
 * released): it clears by itself, so a client retries it, with the same Idempotency-Key.
 */
export const ATTACHMENT_RESERVED = "ATTACHMENT_RESERVED";

/** A file the attachments subgraph holds for a reservation, as its answer to RESERVE_ATTACHMENTS names it. */
export interface ReservedFile {
  id: string;
  fileName: string;
}

/** attachments: the reservation's files become ATTACHED. */
export const CONFIRM_RESERVATION = `mutation ConfirmReservation($reservationId: ID!) { confirmReservation(reservationId: $reservationId) }`;

/** attachments: the reservation's files are STAGED again. */
export const RELEASE_RESERVATION = `mutation ReleaseReservation($reservationId: ID!, $caseId: ID!) { releaseReservation(reservationId: $reservationId, caseId: $caseId) }`;

/** cases (relay only): claims due commands for one relay pass. */
export const CLAIM_RESERVATION_COMMANDS = `mutation ClaimReservationCommands($limit: Int!) {
  claimReservationCommands(limit: $limit) { claimToken commands { reservationId caseId command } }
}`;

/** cases (relay only): reports how the claimed commands went. */
export const ACK_RESERVATION_COMMANDS = `mutation AckReservationCommands($claimToken: ID!, $deliveries: [ReservationDeliveryInput!]!) {
  ackReservationCommands(claimToken: $claimToken, deliveries: $deliveries)
}`;

/** What the relay must tell the attachments subgraph about one reservation. */
export type ReservationCommandKind = "confirm" | "release";

export interface ReservationCommand {
  reservationId: string;
  caseId: string;
  command: ReservationCommandKind;
}

export interface ReservationCommandBatch {
  /** Identifies this pass's claim; acknowledgements with another token are ignored. */
  claimToken: string;
  commands: ReservationCommand[];
}

/** How one command went: delivered (the attachments subgraph answered yes), or the error. */
export interface ReservationDelivery {
  reservationId: string;
  delivered: boolean;
  error?: string | null;
}
