/** A refused administrative command (CLI): the message is for the administrator, never contains a secret. */
export class AccessAdminError extends Error {}
