import type { Recognizer } from '../src/bot/recognizer.js';
import type { Session } from '../src/bot/session.js';
import type { ClaimDraftService } from '../src/domain/claim-drafts.js';
import type { ClaimService } from '../src/domain/claims.js';
import type { FeedbackService } from '../src/domain/feedback.js';
import type { HandoffService } from '../src/domain/handoff.js';
import type { PaymentService } from '../src/domain/payments.js';
import type { PolicyService } from '../src/domain/policies.js';
import type { RequestService } from '../src/domain/requests.js';
import type { VerificationService } from '../src/domain/verification.js';
import type { FileStore } from '../src/files/file-store.js';
import type { PolicyFacts } from '../src/knowledge/grounded.js';
import type { KnowledgeSource } from '../src/knowledge/types.js';
import type { Logger } from '../src/log.js';

/** The domain services dialogs call; dialogs never touch models or SDK clients. */
export interface DialogServices {
  verification: VerificationService;
  policies: Pick<PolicyService, 'listForCustomer' | 'getForCustomer'>;
  handoff: HandoffService;
  feedback: FeedbackService;
  claims: Pick<
    ClaimService,
    | 'claimablePolicies'
    | 'file'
    | 'getForCustomer'
    | 'listForCustomer'
    | 'addDocuments'
    | 'answerInfoRequest'
    | 'withdraw'
  >;
  claimDrafts: ClaimDraftService;
  /** Benefits, dependents, renewals and upgrades: what the customer may ask for, and their requests. */
  requests: Pick<
    RequestService,
    | 'benefitCatalogue'
    | 'catalogueForPolicy'
    | 'requestBenefit'
    | 'dependentsOf'
    | 'requestDependentChange'
    | 'renewalOptions'
    | 'requestRenewal'
    | 'upgradeOptions'
    | 'requestUpgrade'
    | 'listForCustomer'
    | 'getForCustomer'
    | 'answerInfoRequest'
  >;
  payments: Pick<PaymentService, 'dueForCustomer' | 'dueFor' | 'startPayment'>;
}

/** An answer to a customer's question, from the knowledge base or grounded in it. */
export interface QuestionAnswer {
  /** The answering article, or null when the question is out of scope. */
  slug: string | null;
  title: string | null;
  /** The short answer, or null when out of scope. */
  answer: string | null;
}

/** Writes answers grounded in the knowledge base (the OpenAI answerer). */
export interface QuestionAnswerer {
  /** `policy`: facts about the verified customer's own policy the question concerns, when there is one. */
  answer(question: string, options?: { policy?: PolicyFacts }): Promise<QuestionAnswer>;
}

/** Everything the dialogs need, passed down from the composition root. */
export interface DialogDependencies {
  services: DialogServices;
  session: Session;
  /** Routes a message to a dialog (local, or OpenAI when configured). */
  recognizer: Recognizer;
  /**
   * The local recognizer: spots help, cancel and "talk to a person" at every step, and stands in when
   * `recognizer` fails. Local by design: what a customer types at a prompt (a date of birth, a phone
   * number) is not sent anywhere to decide this.
   */
  localRecognizer: Recognizer;
  /** The articles: answers when no `answerer` is configured, and the rest of an article on "more". */
  knowledge: KnowledgeSource;
  answerer?: QuestionAnswerer;
  /** Signed links for documents; reading the files customers attach (by their signed links). */
  files: Pick<FileStore, 'signedUrl' | 'fileIdOf' | 'find'>;
  logger: Logger;
  /** `DEFAULT_TIME_ZONE`: times are said in it to someone whose time zone is not on file. */
  defaultTimeZone: string;
}
