/**
 * The business services over the models, built together so they share one audit log, one number
 * allocator and one clock.
 */
import type { FieldCipher } from '../db/encryption.js';
import type { Models } from '../db/models/index.js';
import { EventRelay } from '../notifications/relay.js';
import { requestSlackConsequences } from '../notifications/request-slack-route.js';
import { slackConsequences } from '../notifications/slack-route.js';
import { MongoApprovalService, type ApprovalService } from './approvals.js';
import { MongoAuditLog, type AuditLog } from './audit.js';
import { MongoClaimDraftService, type ClaimDraftService } from './claim-drafts.js';
import { MongoClaimService, type ClaimService } from './claims.js';
import { MongoConsentService, type ConsentService } from './consent.js';
import { MongoConversationLinkService, type ConversationLinkService } from './conversations.js';
import { MongoCustomerService, type CustomerService } from './customers.js';
import { MongoFeedbackService, type FeedbackService } from './feedback.js';
import { MongoHandoffService, type HandoffService, type SupportSettings } from './handoff.js';
import { NumberAllocator } from './numbers.js';
import { MongoPaymentService, type CheckoutLinks, type PaymentService } from './payments.js';
import { MongoPolicyService, type PolicyService } from './policies.js';
import { MongoRequestService, type RequestService } from './requests.js';
import { MongoVerificationService, type VerificationService } from './verification.js';

export interface DomainServices {
  audit: AuditLog;
  /** Drains the consequences of state changes into the audit log and the outbox. */
  events: EventRelay;
  conversations: ConversationLinkService;
  customers: CustomerService;
  policies: PolicyService;
  claims: ClaimService;
  /** Claims started and not yet submitted, one per customer. */
  claimDrafts: ClaimDraftService;
  /** Service requests: benefits, dependent changes, renewals and upgrades, and their officers' cards. */
  requests: RequestService;
  consent: ConsentService;
  verification: VerificationService;
  handoff: HandoffService;
  feedback: FeedbackService;
  /** Officers' decisions on claims (tiered authority, four-eyes) and their Slack cards. */
  approvals: ApprovalService;
  /** Premiums due, payment links or the insurer's instructions, and recording paid checkouts. */
  payments: PaymentService;
}

export interface DomainOptions {
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
  /** Claim and request events also queue the officers' Slack cards and threads (the app; not unit tests). */
  slackCards?: boolean;
  /** Business hours and SLAs of handoffs and tickets; default Mon–Fri 9–17 New York, 10 minutes, 8 hours. */
  support?: SupportSettings;
  /** Hosted checkout for premium payments (Stripe or its stand-in); unset gives insurers' instructions. */
  checkout?: CheckoutLinks;
}

export function createDomainServices(
  models: Models,
  cipher: FieldCipher,
  options: DomainOptions = {},
): DomainServices {
  const now = options.now ?? (() => new Date());
  const audit = new MongoAuditLog(models, now);
  const numbers = new NumberAllocator(models);
  const events = new EventRelay({
    models,
    now,
    ...(options.slackCards
      ? {
          consequences: (collection, row, event) => [
            ...slackConsequences(collection, row, event),
            ...requestSlackConsequences(collection, row, event),
          ],
        }
      : {}),
  });
  const customers = new MongoCustomerService(models, cipher, audit);
  const policies = new MongoPolicyService(models, cipher);
  const claims = new MongoClaimService({ models, numbers, events, now });
  return {
    audit,
    events,
    conversations: new MongoConversationLinkService({ models, now }),
    customers,
    policies,
    claims,
    claimDrafts: new MongoClaimDraftService({ models }),
    requests: new MongoRequestService({ models, numbers, cipher, audit, events, now }),
    consent: new MongoConsentService(models, audit, now),
    verification: new MongoVerificationService(models, customers, cipher, audit, undefined, now),
    handoff: new MongoHandoffService({
      models,
      events,
      customers,
      now,
      numbers,
      ...(options.support ? { settings: options.support } : {}),
    }),
    feedback: new MongoFeedbackService(models),
    approvals: new MongoApprovalService({ models, claims, customers, policies, events, now }),
    payments: new MongoPaymentService({
      models,
      events,
      now,
      ...(options.checkout ? { checkout: options.checkout } : {}),
    }),
  };
}

export type { Actor, ActorType } from './actor.js';
export type { AuditEntry, AuditInput, AuditLog } from './audit.js';
export type { BenefitCatalogue, BenefitOffer, RuleCheck } from './benefits.js';
export type {
  NewBenefitRequest,
  NewDependentChange,
  NewRenewal,
  NewUpgrade,
  RenewalOption,
  RequestCard,
  RequestDecision,
  RequestService,
  RequestView,
  UpgradePlan,
} from './requests.js';
export type { ApprovalService, ClaimCard, DecisionOutcome, OfficerView, QueueItem } from './approvals.js';
export type { ConversationLinkService, ConversationTarget } from './conversations.js';
export type { ClaimDraft, ClaimDraftAnswers, ClaimDraftService } from './claim-drafts.js';
export type {
  ClaimablePolicy,
  ClaimAttachmentView,
  ClaimService,
  ClaimStatusChange,
  ClaimSummary,
  ClaimTypeOption,
  ClaimView,
  NewClaim,
} from './claims.js';
export type {
  CustomerProfile,
  CustomerService,
  CustomerSummary,
  IdentityClaim,
  NewCustomer,
  Verification,
} from './customers.js';
export { DomainError, isDomainError, type DomainErrorCode } from './errors.js';
export type {
  CheckoutLinks,
  CheckoutRequest,
  CheckoutSession,
  CompletedCheckout,
  PaymentService,
  PaymentStart,
  PremiumDue,
  PremiumState,
} from './payments.js';
export type { InsurerPolicies, PolicyDetails, PolicyService, PolicySummary } from './policies.js';
