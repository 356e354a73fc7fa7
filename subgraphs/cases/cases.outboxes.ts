import { defineOutbox } from "../kit/telemetry/outbox-monitor.js";
import { AttachmentReservationEntity, ReservationState } from "./attachment-reservation/attachment-reservation.entity.js";
import { NotificationEntity, NotificationState } from "./notification/notification.entity.js";

/**
 * The outboxes of the cases database, watched on `/metrics` and `/ready` (see kit/telemetry/outbox-monitor.ts):
 * e-mails the dispatcher has not sent, and file reservations whose confirm or release the relay has not delivered.
 */
export const casesOutboxes = [
  defineOutbox({ name: "notification_outbox", entity: NotificationEntity, state: "state", pending: [NotificationState.PENDING], created: "createdAt" }),
  defineOutbox({
    name: "attachment_reservations",
    entity: AttachmentReservationEntity,
    state: "state",
    pending: [ReservationState.PENDING, ReservationState.COMMITTED, ReservationState.RELEASING],
    created: "createdAt",
  }),
];
