import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const reminderKinds = ['premium_due', 'renewal', 'missing_documents'] as const;
export type ReminderKind = (typeof reminderKinds)[number];
export const reminderStatuses = ['scheduled', 'sent', 'cancelled', 'failed'] as const;
export type ReminderStatus = (typeof reminderStatuses)[number];

export const reminderSchema = new Schema(
  {
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    policy: { type: Schema.Types.ObjectId, ref: 'Policy' },
    claim: { type: Schema.Types.ObjectId, ref: 'Claim' },
    kind: { type: String, enum: reminderKinds, required: true },
    dueAt: { type: Date, required: true },
    status: { type: String, enum: reminderStatuses, required: true, default: 'scheduled' },
    /** The outbox row that carries this reminder once it is sent. */
    notification: { type: Schema.Types.ObjectId, ref: 'Notification' },
  },
  { timestamps: true, collection: 'reminders' },
);
reminderSchema.pre('validate', function requireSubject() {
  if (!this.policy && !this.claim) {
    this.invalidate('policy', 'a reminder needs a policy or a claim');
  }
});
// One reminder of a kind per subject and due date, so a job that runs twice schedules nothing twice.
reminderSchema.index({ kind: 1, customer: 1, policy: 1, claim: 1, dueAt: 1 }, { unique: true });
reminderSchema.index({ status: 1, dueAt: 1 });

export type Reminder = InferSchemaType<typeof reminderSchema>;

export function reminderModel(connection: Connection) {
  return connection.model('Reminder', reminderSchema);
}
export type ReminderModel = ReturnType<typeof reminderModel>;
