/**
 * Every mongoose model of the product, compiled on a given connection (never the global mongoose), so
 * tests and tools can hold several databases at once.
 */
import type { Connection, Model } from 'mongoose';
import { auditEventModel } from './audit-event.js';
import { benefitRequestModel } from './benefit-request.js';
import { claimDraftModel, claimModel } from './claim.js';
import { consentRecordModel } from './consent-record.js';
import { conversationLinkModel } from './conversation-link.js';
import { counterModel } from './counter.js';
import { customerModel } from './customer.js';
import { faqFeedbackModel } from './faq-feedback.js';
import { insurerModel } from './insurer.js';
import { notificationModel } from './notification.js';
import { officerModel } from './officer.js';
import { paymentModel } from './payment.js';
import { policyModel } from './policy.js';
import { policyTypeModel } from './policy-type.js';
import { reminderModel } from './reminder.js';
import { supportRequestModel } from './support-request.js';
import { verificationAttemptModel } from './verification-attempt.js';

export function createModels(connection: Connection) {
  return {
    insurers: insurerModel(connection),
    policyTypes: policyTypeModel(connection),
    customers: customerModel(connection),
    policies: policyModel(connection),
    claims: claimModel(connection),
    claimDrafts: claimDraftModel(connection),
    benefitRequests: benefitRequestModel(connection),
    officers: officerModel(connection),
    notifications: notificationModel(connection),
    reminders: reminderModel(connection),
    payments: paymentModel(connection),
    consentRecords: consentRecordModel(connection),
    auditEvents: auditEventModel(connection),
    conversationLinks: conversationLinkModel(connection),
    counters: counterModel(connection),
    supportRequests: supportRequestModel(connection),
    faqFeedback: faqFeedbackModel(connection),
    verificationAttempts: verificationAttemptModel(connection),
  };
}

/** The product's models, keyed by collection role. */
export type Models = ReturnType<typeof createModels>;

/** What `.lean()` returns for a model: the stored document as a plain object. */
export type LeanDoc<M> =
  M extends Model<
    infer _Raw,
    infer _Query,
    infer _Methods,
    infer _Virtuals,
    infer _Hydrated,
    infer _Schema,
    infer Lean
  >
    ? Lean
    : never;

/** Builds every declared index (unique ones included) and waits until they exist. */
export async function ensureIndexes(models: Models): Promise<void> {
  await Promise.all(Object.values(models).map((model) => model.createIndexes()));
}

export * from './audit-event.js';
export * from './benefit-request.js';
export * from './claim.js';
export * from './common.js';
export * from './consent-record.js';
export * from './conversation-link.js';
export * from './counter.js';
export * from './customer.js';
export * from './faq-feedback.js';
export * from './insurer.js';
export * from './notification.js';
export * from './officer.js';
export * from './payment.js';
export * from './policy.js';
export * from './policy-type.js';
export * from './reminder.js';
export * from './support-request.js';
export * from './verification-attempt.js';
