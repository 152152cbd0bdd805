import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * What a reminder is about: a premium coming due (`premium_due`) or overdue (`premium_overdue`), a
 * policy ending (`renewal`) or ended without renewal (`policy_expired`), a claim still waiting for
 * documents (`missing_documents`).
 */
export const reminderKinds = [
  'premium_due',
  'premium_overdue',
  'renewal',
  'policy_expired',
  'missing_documents',
] as const;
export type ReminderKind = (typeof reminderKinds)[number];
/**
 * `scheduled` until its time comes; then `sent` (handed to the outbox), `skipped` (no channel the
 * customer may be reached on), `dropped` (found more than a day late) or `cancelled` (made pointless by
 * a payment, a renewal or a document that arrived).
 */
export const reminderStatuses = ['scheduled', 'sent', 'cancelled', 'skipped', 'dropped'] as const;
export type ReminderStatus = (typeof reminderStatuses)[number];

/** The unique key of the reminder of `kind` about `subject` (a policy or claim id) due at `dueAt`. */
export function reminderKey(kind: ReminderKind, subject: { toString(): string }, dueAt: Date): string {
  return `${kind}:${subject.toString()}:${dueAt.toISOString()}`;
}

export const reminderSchema = new Schema(
  {
    /**
     * `kind:subject-id:dueAt`, so a planning pass that runs twice schedules nothing twice; derived from
     * those fields on validation when not given.
     */
    key: { type: String, trim: true, minlength: 1, maxlength: 200 },
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    policy: { type: Schema.Types.ObjectId, ref: 'Policy' },
    claim: { type: Schema.Types.ObjectId, ref: 'Claim' },
    kind: { type: String, enum: reminderKinds, required: true },
    dueAt: { type: Date, required: true },
    status: { type: String, enum: reminderStatuses, required: true, default: 'scheduled' },
    /** Why it was cancelled, skipped or dropped. */
    reason: { type: String, trim: true, maxlength: 200 },
    /** When it left `scheduled`. */
    settledAt: { type: Date },
    /** The outbox row that carries this reminder once it is sent. */
    notification: { type: Schema.Types.ObjectId, ref: 'Notification' },
  },
  { timestamps: true, collection: 'reminders' },
);
reminderSchema.pre('validate', function requireSubject() {
  const subject = this.claim ?? this.policy;
  if (!subject) {
    this.invalidate('policy', 'a reminder needs a policy or a claim');
    return;
  }
  this.key ??= reminderKey(this.kind, subject, this.dueAt);
});
reminderSchema.index({ key: 1 }, { unique: true });
reminderSchema.index({ status: 1, dueAt: 1 });
reminderSchema.index({ policy: 1 }, { sparse: true });
reminderSchema.index({ claim: 1 }, { sparse: true });

export type Reminder = InferSchemaType<typeof reminderSchema>;

export function reminderModel(connection: Connection) {
  return connection.model('Reminder', reminderSchema);
}
export type ReminderModel = ReturnType<typeof reminderModel>;
