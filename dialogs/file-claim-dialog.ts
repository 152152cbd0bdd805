import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { dateOrderOf } from '../src/bot/locale.js';
import { claimReviewView, formatDate, money, reviewChoices, type ClaimReview } from '../src/bot/cards.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import type { ClaimDraftAnswers, DraftAttachment } from '../src/domain/claim-drafts.js';
import { checklistFor, guessClaimType, payoutFor, type ChecklistItem } from '../src/domain/claim-rules.js';
import type { ClaimablePolicy, ClaimTypeOption, ClaimView } from '../src/domain/claims.js';
import { spokenDate, type DateOrder } from '../src/domain/dates.js';
import { isDomainError } from '../src/domain/errors.js';
import { BaseDialog } from './base-dialog.js';
import {
  amountOf,
  dateOf,
  hasAttachments,
  isDone,
  isSkip,
  receivedFiles,
  timeOf,
  yesOrNo,
} from './claim-answers.js';
import type { DialogDependencies } from './dependencies.js';
import { FileKindDialog, fileKindDialogId, type FileKindOptions } from './file-kind-dialog.js';
import { policiesNamed } from './policy-choice.js';
import { menu, menuItems } from './replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const fileClaimDialogId = 'fileClaimDialog';
const waterfallId = 'fileClaimDialog.steps';
const resumeId = 'fileClaimDialog.resume';
const questionsId = 'fileClaimDialog.questions';
const filesId = 'fileClaimDialog.files';
const answerPromptId = 'fileClaimDialog.answer';
const filesPromptId = 'fileClaimDialog.filesPrompt';
const choicePromptId = 'fileClaimDialog.choice';
/** Where a turn keeps the customer's claimable policies once read. */
const policiesKey = Symbol('fileClaimDialog.policies');

/** Business days within which an instantly approved claim is paid. */
export const instantPaymentBusinessDays = 3;
/** Business days within which an officer first looks at a claim. */
export const reviewBusinessDays = 2;

export interface FileClaimOptions {
  /** File on this policy (a policy card's button), still only if it is the customer's and claimable. */
  policyNumber?: string;
  /** What the customer said when asking, e.g. "my basement flooded": a first guess at the type. */
  story?: string;
}

/** Everything known about the claim being filed; kept in the dialog state and saved as a draft. */
interface Filing {
  answers: ClaimDraftAnswers;
  attachments: DraftAttachment[];
  /** Questions the customer chose not to answer ("don't know"). */
  skipped: string[];
  /** A type guessed from the customer's words, waiting for them to confirm it. */
  guess?: string;
  /** What the customer said when asking to file, read for the type once the policy is known. */
  story?: string;
}

/** What the steps keep between turns. */
interface StepValues {
  filing?: Filing;
  draft?: Filing;
  key?: QuestionKey;
}

function valuesOf(step: WaterfallStepContext): StepValues {
  return step.values as StepValues;
}

/** What the questions loop and the main steps pass each other. */
interface StepOptions {
  filing: Filing;
}

/** The questions of a claim; which apply depends on the line of business and earlier answers. */
type QuestionKey =
  | 'policyNumber'
  | 'type'
  | 'guess'
  | 'incidentDate'
  | 'incidentTime'
  | 'location'
  | 'description'
  | 'policeAttended'
  | 'policeReportNumber'
  | 'otherParties'
  | 'injuries'
  | 'provider'
  | 'amountClaimed';

const questionOrder: readonly QuestionKey[] = [
  'policyNumber',
  'type',
  'guess',
  'incidentDate',
  'incidentTime',
  'location',
  'description',
  'policeAttended',
  'policeReportNumber',
  'otherParties',
  'injuries',
  'provider',
  'amountClaimed',
];

/** Lines whose incidents happen somewhere the officer needs to know. */
const placeLines: ReadonlySet<string> = new Set(['auto', 'home', 'renters', 'travel']);

/** The words for the loss on each line, for the amount question and the coverage sentence. */
const lossWords: Readonly<Record<string, string>> = {
  auto: 'repair',
  home: 'repair',
  renters: 'loss',
  travel: 'loss',
  health: 'bill',
  life: 'claim',
};

/** What the validator of a question needs to read the answer. */
interface Validation {
  key: QuestionKey;
  filing: Filing;
  customerId: string;
}

/** What a prompt for an answer keeps between attempts. */
interface AnswerPromptState {
  /** The two readings of an ambiguous date the customer was asked to choose between. */
  dateChoices?: [string, string];
}

/** How the customer's dates are read: their locale's order, and the readings they were asked about. */
interface DateContext {
  order?: DateOrder | undefined;
  choices?: [string, string] | undefined;
}

/** The outcome of reading one answer. */
type Reading =
  { ok: true; filing: Filing } | { ok: false; explanation?: string; dateChoices?: [string, string] };

/**
 * Files a claim in conversation: identity first, then the policy, what happened (in the words of the
 * line, with a guess from the customer's own account checked with them), the facts an officer needs,
 * the coverage in the customer's terms, photos and documents, a review, and the claim number with what
 * happens next. Every answer is saved as a draft, so a customer who leaves can resume later. Decisions
 * come from the claim service: approved at once when the instant-decision rule allows, otherwise to an
 * officer.
 */
export class FileClaimDialog extends BaseDialog {
  readonly purpose =
    'I am filing a claim with you: answer the question above, or say "talk to a person" if you would rather speak to someone.';

  constructor(deps: DialogDependencies) {
    super(fileClaimDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(answerPromptId, (prompt) => this.validateAnswer(prompt)))
      .addDialog(new TextPrompt(filesPromptId, (prompt) => this.validateFiles(prompt)))
      .addDialog(new TextPrompt(choicePromptId, (prompt) => this.validateChoice(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.offerDraft(step),
          (step) => this.afterDraftChoice(step),
          (step) => this.explainCoverage(step),
          (step) => this.review(step),
          (step) => this.afterReview(step),
          (step) => this.afterChange(step),
        ]),
      )
      .addDialog(
        new WaterfallDialog(resumeId, [
          (step) => step.beginDialog(questionsId, step.options as StepOptions),
          (step) => this.explainCoverage(step),
          (step) => this.review(step),
          (step) => this.afterReview(step),
          (step) => this.afterChange(step),
        ]),
      )
      .addDialog(new WaterfallDialog(questionsId, [(step) => this.ask(step), (step) => this.record(step)]))
      .addDialog(
        new WaterfallDialog(filesId, [
          (step) => this.askFiles(step),
          (step) => this.recordFiles(step),
          (step) => this.afterKinds(step),
        ]),
      )
      .addDialog(new FileKindDialog(deps));
    this.initialDialogId = waterfallId;
  }

  /** A claim started earlier is offered before anything is asked. */
  private async offerDraft(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const options = (step.options ?? {}) as FileClaimOptions;
    const filing: Filing = { answers: {}, attachments: [], skipped: [] };
    if (options.policyNumber) filing.answers.policyNumber = options.policyNumber.toUpperCase();
    valuesOf(step).filing = filing;
    const draft = await this.deps.services.claimDrafts.get(customer.customerId);
    if (!draft || Object.keys(draft.answers).length === 0) return step.next(undefined);
    valuesOf(step).draft = {
      answers: draft.answers,
      attachments: draft.attachments,
      skipped: [],
    } satisfies Filing;
    const what = await this.describeDraft(step.context, customer.customerId, draft.answers);
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions(
        [choices.resume, choices.startOver],
        `You started a claim ${relativeDay(draft.updatedAt, new Date())}${what}. Would you like to continue it or start a new one?`,
      ),
      retryPrompt: MessageFactory.suggestedActions(
        [choices.resume, choices.startOver],
        'Please say "continue" to pick up your earlier claim or "new claim" to begin a new one.',
      ),
      validations: [choices.resume, choices.startOver],
    });
  }

  private async afterDraftChoice(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.customerOf(step);
    if (!customer) return step.endDialog();
    let filing = valuesOf(step).filing!;
    if (step.result === choices.resume) {
      filing = valuesOf(step).draft!;
      await step.context.sendActivity("Let's pick up where you left off.");
    } else if (step.result === choices.startOver) {
      await this.deps.services.claimDrafts.discard(customer.customerId);
    }
    const policies = await this.policies(step.context, customer.customerId);
    if (policies.length === 0) {
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.policies],
          "I couldn't find an active policy on your account to file a claim on. A person from our team can help.",
        ),
      );
      return step.endDialog();
    }
    const wanted = filing.answers.policyNumber;
    if (wanted && !policies.some((policy) => policy.number === wanted)) {
      delete filing.answers.policyNumber;
      await step.context.sendActivity(
        "I can only file a claim on one of your active policies, and that isn't one of them.",
      );
    }
    if (!filing.answers.policyNumber && policies.length === 1)
      filing.answers.policyNumber = policies[0]!.number;
    const story = ((step.options ?? {}) as FileClaimOptions).story;
    if (story && !filing.answers.type) filing.story = story;
    return step.beginDialog(questionsId, { filing } satisfies StepOptions);
  }

  /** Asks the first question still open, or ends the loop with the filing. */
  private async ask(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { filing } = step.options as StepOptions;
    const customer = await this.customerOf(step);
    if (!customer) return step.endDialog();
    const policies = await this.policies(step.context, customer.customerId);
    const policy = policies.find((candidate) => candidate.number === filing.answers.policyNumber);
    if (policy && filing.story) {
      if (!filing.answers.type) applyStory(filing, policy, filing.story);
      delete filing.story;
    }
    const key = questionOrder.find(
      (candidate) => applies(candidate, filing, policy) && !known(candidate, filing),
    );
    if (!key) return step.endDialog(filing);
    valuesOf(step).key = key;
    const question = questionFor(key, filing, policy, policies);
    const validations: Validation = { key, filing, customerId: customer.customerId };
    return step.prompt(answerPromptId, {
      prompt: MessageFactory.suggestedActions(question.buttons ?? [], question.text),
      retryPrompt: MessageFactory.suggestedActions(question.buttons ?? [], question.retry ?? question.text),
      validations,
    });
  }

  private async record(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { filing } = step.options as StepOptions;
    const customer = await this.customerOf(step);
    if (!customer) return step.endDialog();
    const reading = await this.read(
      step.context,
      valuesOf(step).key!,
      String(step.result ?? ''),
      filing,
      customer.customerId,
      { order: dateOrderOf(step.context) },
    );
    const next = reading.ok ? reading.filing : filing;
    // The draft is written while the next question goes out; the turn still waits for both.
    const saved = this.deps.services.claimDrafts.save(customer.customerId, next.answers, next.attachments);
    const [result] = await Promise.all([
      step.replaceDialog(questionsId, { filing: next } satisfies StepOptions),
      saved,
    ]);
    return result;
  }

  /** Says what the coverage would pay, in the customer's terms, then asks for files. */
  private async explainCoverage(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const filing = step.result as Filing | undefined;
    if (!filing) return step.endDialog();
    valuesOf(step).filing = filing;
    const { policy, type } = await this.chosen(step, filing);
    if (!policy || !type) return step.endDialog();
    await step.context.sendActivity(coverageSentence(policy, type, filing.answers.amountClaimed ?? 0));
    return step.beginDialog(filesId, { filing } satisfies StepOptions);
  }

  private async askFiles(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { filing } = step.options as StepOptions;
    const { type } = await this.chosen(step, filing);
    const missing = outstanding(type, filing).map((item) => item.label);
    const sent = filing.attachments.length;
    const need = missing.length > 0 ? ` Still needed: ${missing.join('; ')}.` : '';
    const text =
      sent === 0
        ? `Please send photos or documents now with the attach button, or say "done" to continue.${need}`
        : `Got it: ${sent} file${sent === 1 ? '' : 's'} so far.${need} Send more, or say "done".`;
    return step.prompt(filesPromptId, {
      prompt: MessageFactory.suggestedActions([choices.done], text),
      retryPrompt: MessageFactory.suggestedActions(
        [choices.done],
        'Attach a photo or a PDF with the attach button, or say "done" to continue without.',
      ),
    });
  }

  private async recordFiles(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { filing } = step.options as StepOptions;
    if (!hasAttachments(step.context)) return step.endDialog(filing);
    const customer = await this.customerOf(step);
    if (!customer) return step.endDialog();
    const { type } = await this.chosen(step, filing);
    const received = await receivedFiles(step.context, this.deps.files, outstanding(type, filing));
    if (received.unreadable.length > 0) {
      await step.context.sendActivity(
        `I couldn't open ${received.unreadable.join(', ')}; please send ${received.unreadable.length === 1 ? 'it' : 'them'} again.`,
      );
    }
    const next: Filing = { ...filing, attachments: [...filing.attachments, ...received.files].slice(0, 20) };
    await this.deps.services.claimDrafts.save(customer.customerId, next.answers, next.attachments);
    const unsure = received.unsure.filter((file) =>
      next.attachments.some((kept) => kept.fileId === file.fileId),
    );
    if (unsure.length > 0) {
      valuesOf(step).filing = next;
      return step.beginDialog(fileKindDialogId, {
        files: next.attachments,
        unsure,
      } satisfies FileKindOptions);
    }
    return step.replaceDialog(filesId, { filing: next } satisfies StepOptions);
  }

  /** Keeps what the customer said the files are, then asks for more files. */
  private async afterKinds(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const filing = valuesOf(step).filing!;
    const next: Filing = { ...filing, attachments: step.result as DraftAttachment[] };
    const customer = await this.customerOf(step);
    if (!customer) return step.endDialog();
    await this.deps.services.claimDrafts.save(customer.customerId, next.answers, next.attachments);
    return step.replaceDialog(filesId, { filing: next } satisfies StepOptions);
  }

  /** The review card with Submit and Change. */
  private async review(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const filing = (step.result as Filing | undefined) ?? valuesOf(step).filing!;
    valuesOf(step).filing = filing;
    const { policy, type } = await this.chosen(step, filing);
    if (!policy || !type) return step.endDialog();
    const view = claimReviewView(reviewOf(policy, type, filing));
    const activity: Partial<Activity> = {
      ...MessageFactory.attachment(CardFactory.adaptiveCard(view.card), view.text),
      suggestedActions: {
        actions: [reviewChoices.submit, reviewChoices.change].map((title) => ({
          type: 'imBack',
          title,
          value: title,
        })),
        to: [],
      },
    };
    return step.prompt(choicePromptId, {
      prompt: activity,
      retryPrompt: MessageFactory.suggestedActions(
        [reviewChoices.submit, reviewChoices.change],
        `Please say "${reviewChoices.submit}" to file the claim or "${reviewChoices.change}" to correct something.`,
      ),
      validations: [reviewChoices.submit, reviewChoices.change],
    });
  }

  private async afterReview(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const filing = valuesOf(step).filing!;
    if (step.result === reviewChoices.change) {
      return step.prompt(choicePromptId, {
        prompt: MessageFactory.suggestedActions(Object.values(changes), 'What would you like to change?'),
        retryPrompt: MessageFactory.suggestedActions(Object.values(changes), 'Please pick what to change.'),
        validations: Object.values(changes),
      });
    }
    const customer = await this.customerOf(step);
    if (!customer) return step.endDialog();
    let claim: ClaimView;
    try {
      // The service checks the policy and the type again as it files, so they are not read here first.
      claim = await this.deps.services.claims.file(
        {
          customerId: customer.customerId,
          policyNumber: filing.answers.policyNumber!,
          incidentDate: new Date(`${filing.answers.incidentDate}T00:00:00Z`),
          type: filing.answers.type!,
          ...(filing.answers.description ? { description: filing.answers.description } : {}),
          ...(filing.answers.location ? { location: filing.answers.location } : {}),
          amountClaimed: filing.answers.amountClaimed ?? 0,
          attachments: filing.attachments,
          details: detailsOf(filing.answers),
        },
        { type: 'customer', id: customer.customerId, channel: channelSourceOf(step.context) },
      );
    } catch (error) {
      if (isDomainError(error, 'conflict') || isDomainError(error, 'not_found')) {
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.person, menuItems.policies],
            `${filing.answers.policyNumber} is no longer active, so I can't file a claim on it here. A person from our team can help.`,
          ),
        );
        return step.endDialog();
      }
      if (!isDomainError(error, 'validation')) throw error;
      await step.context.sendActivity(
        "Something in the claim doesn't fit the policy (most often the date). Let's correct it.",
      );
      delete filing.answers.incidentDate;
      return step.replaceDialog(resumeId, { filing } satisfies StepOptions);
    }
    await Promise.all([
      this.deps.services.claimDrafts.discard(customer.customerId),
      step.context.sendActivity(menu(filedText(claim))),
    ]);
    return step.endDialog(claim);
  }

  private async afterChange(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const filing = valuesOf(step).filing!;
    const change = step.result as string;
    const clear: readonly (keyof ClaimDraftAnswers)[] =
      change === changes.policy
        ? ['policyNumber', 'type']
        : change === changes.type
          ? ['type']
          : change === changes.date
            ? ['incidentDate', 'incidentTime']
            : change === changes.place
              ? ['location']
              : change === changes.description
                ? ['description']
                : ['amountClaimed'];
    for (const key of clear) delete filing.answers[key];
    // What the customer skipped stays skipped unless they chose to change it.
    filing.skipped = filing.skipped.filter((key) => !(clear as readonly string[]).includes(key));
    if (change === changes.files) filing.attachments = [];
    const customer = await this.customerOf(step);
    if (customer)
      await this.deps.services.claimDrafts.save(customer.customerId, filing.answers, filing.attachments);
    // Asks again only what was cleared, then shows the coverage, the files and the review once more.
    return step.replaceDialog(resumeId, { filing } satisfies StepOptions);
  }

  // --- answers ---

  private async validateAnswer(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const { key, filing, customerId } = prompt.options.validations as Validation;
    const text = prompt.recognized.value ?? '';
    if (!prompt.recognized.succeeded || !text.trim()) return false;
    const state = prompt.state as AnswerPromptState;
    const dates: DateContext = { order: dateOrderOf(prompt.context), choices: state.dateChoices };
    const reading = await this.read(prompt.context, key, text, filing, customerId, dates);
    if (!reading.ok && reading.dateChoices) {
      // Asked rather than guessed; the next reply may be a button, "the first" or the month.
      state.dateChoices = reading.dateChoices;
      const [first, second] = reading.dateChoices.map(spokenDate) as [string, string];
      await prompt.context.sendActivity(
        MessageFactory.suggestedActions([first, second], `Did you mean ${first} or ${second}?`),
      );
    } else if (!reading.ok && reading.explanation) {
      await prompt.context.sendActivity(reading.explanation);
    }
    // The answer as read, so that recording it does not depend on the question asked in between.
    const chosen = key === 'incidentDate' && reading.ok ? reading.filing.answers.incidentDate : undefined;
    if (chosen) prompt.recognized.value = chosen;
    return reading.ok;
  }

  private async validateFiles(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return hasAttachments(prompt.context) || isDone(prompt.recognized.value ?? '');
  }

  /** Accepts one of the offered words (case-insensitive, or a close variant) and normalises it. */
  private async validateChoice(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const offered = prompt.options.validations as string[];
    const typed = (prompt.recognized.value ?? '').trim().toLowerCase();
    const found =
      offered.find((choice) => choice.toLowerCase() === typed) ??
      offered.find((choice) => synonyms[choice]?.some((word) => typed.startsWith(word)));
    if (found) prompt.recognized.value = found;
    return found !== undefined;
  }

  /** Reads one answer into a copy of the filing, or explains why it cannot be taken. */
  private async read(
    context: TurnContext,
    key: QuestionKey,
    text: string,
    filing: Filing,
    customerId: string,
    dates: DateContext,
  ): Promise<Reading> {
    const next: Filing = { ...filing, answers: { ...filing.answers }, skipped: [...filing.skipped] };
    const answers = next.answers;
    const policies = await this.policies(context, customerId);
    const policy = policies.find((candidate) => candidate.number === answers.policyNumber);
    const typed = text.trim();
    const skip = () => {
      next.skipped.push(key);
      return { ok: true as const, filing: next };
    };
    switch (key) {
      case 'policyNumber': {
        // By button or number, or by what it is: "the home one", "the one ending 0400".
        const named = policiesNamed(typed, policies);
        const [chosen] = named;
        if (named.length > 1) {
          return { ok: false, explanation: 'Several of your policies fit that. Please pick one of these.' };
        }
        if (!chosen) return { ok: false };
        answers.policyNumber = chosen.number;
        return { ok: true, filing: next };
      }
      case 'type': {
        if (!policy) return { ok: false };
        const exact = policy.claimTypes.find(
          (type) => type.name.toLowerCase() === typed.toLowerCase() || type.code === typed.toLowerCase(),
        );
        if (exact) {
          answers.type = exact.code;
          return { ok: true, filing: next };
        }
        const guess = guessClaimType(policy.claimTypes, typed);
        if (!guess) return { ok: false };
        next.guess = guess.code;
        if (typed.split(/\s+/).length >= 4 && !answers.description)
          answers.description = typed.slice(0, 4000);
        return { ok: true, filing: next };
      }
      case 'guess': {
        const yes = yesOrNo(typed);
        if (yes === undefined) return { ok: false };
        if (yes) answers.type = next.guess;
        delete next.guess;
        return { ok: true, filing: next };
      }
      case 'incidentDate': {
        const answer = dateOf(typed, new Date(), dates);
        if (!answer || !policy) return { ok: false };
        if ('choices' in answer) return { ok: false, dateChoices: answer.choices };
        const iso = answer.date;
        const problem = dateProblem(iso, policy, new Date());
        if (problem) return { ok: false, explanation: problem };
        answers.incidentDate = iso;
        return { ok: true, filing: next };
      }
      case 'incidentTime': {
        if (isSkip(typed)) return skip();
        const time = timeOf(typed);
        if (!time) return { ok: false };
        answers.incidentTime = time;
        return { ok: true, filing: next };
      }
      case 'location':
        if (typed.length < 2) return { ok: false };
        answers.location = typed.slice(0, 300);
        return { ok: true, filing: next };
      case 'description':
        if (typed.length < 3) return { ok: false };
        answers.description = typed.slice(0, 4000);
        return { ok: true, filing: next };
      case 'policeAttended': {
        const yes = yesOrNo(typed);
        if (yes === undefined) return { ok: false };
        answers.policeAttended = yes;
        return { ok: true, filing: next };
      }
      case 'policeReportNumber':
        if (isSkip(typed)) return skip();
        answers.policeReportNumber = typed.slice(0, 60);
        return { ok: true, filing: next };
      case 'otherParties':
        if (yesOrNo(typed) === false || isSkip(typed)) return skip();
        answers.otherParties = typed.slice(0, 1000);
        return { ok: true, filing: next };
      case 'injuries':
        answers.injuries = yesOrNo(typed) === false ? 'No one was hurt' : typed.slice(0, 1000);
        return { ok: true, filing: next };
      case 'provider':
        if (typed.length < 2) return { ok: false };
        answers.provider = typed.slice(0, 300);
        return { ok: true, filing: next };
      case 'amountClaimed': {
        const amount = amountOf(typed);
        if (amount === undefined || amount <= 0) return { ok: false };
        answers.amountClaimed = amount;
        return { ok: true, filing: next };
      }
    }
  }

  /**
   * The customer's claimable policies, read once a turn: a turn reads them for the answer, the next
   * question and the coverage, and they do not change within it.
   */
  private policies(context: TurnContext, customerId: string): Promise<ClaimablePolicy[]> {
    const cached = context.turnState.get(policiesKey) as
      { customerId: string; policies: Promise<ClaimablePolicy[]> } | undefined;
    if (cached?.customerId === customerId) return cached.policies;
    const policies = this.deps.services.claims.claimablePolicies(customerId);
    context.turnState.set(policiesKey, { customerId, policies });
    return policies;
  }

  private async customerOf(step: WaterfallStepContext): Promise<VerifiedCustomer | undefined> {
    const customer = await this.deps.session.customer(step.context);
    if (!customer) await sayVerificationLapsed(step.context);
    return customer;
  }

  private async chosen(
    step: WaterfallStepContext,
    filing: Filing,
  ): Promise<{ policy?: ClaimablePolicy; type?: ClaimTypeOption }> {
    const customer = await this.deps.session.customer(step.context);
    if (!customer) return {};
    const policies = await this.policies(step.context, customer.customerId);
    const policy = policies.find((candidate) => candidate.number === filing.answers.policyNumber);
    const type = policy?.claimTypes.find((candidate) => candidate.code === filing.answers.type);
    return { ...(policy ? { policy } : {}), ...(type ? { type } : {}) };
  }

  private async describeDraft(
    context: TurnContext,
    customerId: string,
    answers: ClaimDraftAnswers,
  ): Promise<string> {
    if (!answers.policyNumber) return '';
    const policies = await this.policies(context, customerId);
    const policy = policies.find((candidate) => candidate.number === answers.policyNumber);
    const type = policy?.claimTypes.find((candidate) => candidate.code === answers.type);
    return ` on ${answers.policyNumber}${type ? ` (${type.name.toLowerCase()})` : ''}`;
  }
}

// Not "start over": that cancels everything, at any step.
const choices = { resume: 'Continue', startOver: 'Start a new claim', done: 'Done' } as const;

const changes = {
  policy: 'Policy',
  type: 'What happened',
  date: 'Date',
  place: 'Place',
  description: 'Description',
  amount: 'Amount',
  files: 'Files',
} as const;

/** Other words accepted for each choice. */
const synonyms: Readonly<Record<string, readonly string[]>> = {
  [choices.resume]: ['continue', 'resume', 'yes', 'carry on', 'pick up'],
  [choices.startOver]: ['new', 'start a new', 'no', 'discard'],
  [reviewChoices.submit]: ['submit', 'yes', 'send', 'file it', 'confirm', 'looks good', 'ok'],
  [reviewChoices.change]: ['change', 'edit', 'no', 'correct', 'fix'],
  [changes.type]: ['type', 'what happened'],
  [changes.date]: ['date', 'when', 'time'],
  [changes.place]: ['place', 'where', 'location'],
  [changes.amount]: ['amount', 'cost', 'how much'],
};

/** Whether a question applies to this claim at all. */
function applies(key: QuestionKey, filing: Filing, policy: ClaimablePolicy | undefined): boolean {
  const line = policy?.lineOfBusiness;
  switch (key) {
    case 'policyNumber':
      return true;
    case 'type':
      return policy !== undefined && !filing.guess;
    case 'guess':
      return filing.guess !== undefined;
    case 'incidentDate':
    case 'description':
    case 'amountClaimed':
      return filing.answers.type !== undefined;
    case 'location':
      return filing.answers.type !== undefined && placeLines.has(line ?? '');
    case 'incidentTime':
    case 'policeAttended':
    case 'otherParties':
    case 'injuries':
      return filing.answers.type !== undefined && line === 'auto';
    case 'policeReportNumber':
      return filing.answers.policeAttended === true;
    case 'provider':
      return filing.answers.type !== undefined && line === 'health';
  }
}

function known(key: QuestionKey, filing: Filing): boolean {
  if (key === 'guess') return false;
  return filing.answers[key] !== undefined || filing.skipped.includes(key);
}

interface Question {
  text: string;
  retry?: string;
  buttons?: string[];
}

function questionFor(
  key: QuestionKey,
  filing: Filing,
  policy: ClaimablePolicy | undefined,
  policies: ClaimablePolicy[],
): Question {
  const line = policy?.lineOfBusiness ?? '';
  const type = policy?.claimTypes.find(
    (candidate) => candidate.code === (filing.answers.type ?? filing.guess),
  );
  switch (key) {
    case 'policyNumber':
      return {
        text: `Which policy is the claim on?\n\n${policies.map((option) => `- ${option.number}: ${option.typeName}`).join('\n')}`,
        retry: 'Please pick one of your policies.',
        buttons: policies.map((option) => option.number),
      };
    case 'type':
      return {
        text: `${whatHappenedQuestion[line] ?? 'What happened?'} Pick one, or tell me in your own words.`,
        retry: `I didn't catch which kind of claim this is. Please pick one of these, or describe what happened in a few more words.`,
        buttons: policy?.claimTypes.map((option) => option.name) ?? [],
      };
    case 'guess':
      return {
        text: `It sounds like this is about ${type ? lowerFirst(type.name) : 'that'}. Is that right?`,
        retry: 'Please say yes or no.',
        buttons: ['Yes', 'No'],
      };
    case 'incidentDate':
      return {
        text: dateQuestion[line] ?? 'When did it happen?',
        retry: 'Please give the date, for example 2026-06-10, June 10 or "yesterday".',
      };
    case 'incidentTime':
      return {
        text: 'About what time was it? (for example 3:30 pm, or say "not sure")',
        retry: 'Please give a time such as 8:15 am or 17:40, or say "not sure".',
        buttons: ['Not sure'],
      };
    case 'location':
      return {
        text:
          line === 'auto'
            ? 'Where did it happen? A street address or intersection and the city.'
            : 'Where did it happen?',
        retry: 'Please tell me where it happened.',
      };
    case 'description':
      return {
        text: 'In a few words, what happened?',
        retry: 'Please describe what happened in a sentence or two.',
      };
    case 'policeAttended':
      return {
        text: 'Did the police attend or take a report?',
        retry: 'Please say yes or no.',
        buttons: ['Yes', 'No'],
      };
    case 'policeReportNumber':
      return {
        text: 'What is the police report number? (say "don\'t have it" if you have not got it yet)',
        buttons: ["Don't have it"],
      };
    case 'otherParties':
      return {
        text: 'Was anyone else involved? If so, their name, insurer and licence plate; otherwise say "no".',
        buttons: ['No'],
      };
    case 'injuries':
      return { text: 'Was anyone hurt? If so, who and how; otherwise say "no".', buttons: ['No'] };
    case 'provider':
      return {
        text: 'Which doctor, clinic or hospital provided the care?',
        retry: 'Please name the provider.',
      };
    case 'amountClaimed':
      return {
        text: `About how much is the ${lossWords[line] ?? 'loss'}? An estimate is fine.`,
        retry: 'Please give an amount in dollars, for example 2400 or $2,400.',
      };
  }
}

const whatHappenedQuestion: Readonly<Record<string, string>> = {
  auto: 'What happened to the car?',
  home: 'What happened to your home?',
  renters: 'What happened to your belongings?',
  health: 'What is the claim for?',
  life: 'I am sorry for your loss. What is the claim for?',
  travel: 'What happened on your trip?',
};

const dateQuestion: Readonly<Record<string, string>> = {
  health: 'What was the date of service?',
  life: 'What was the date of death?',
  travel: 'On what date did it happen?',
};

/** Why a date cannot be the incident date on this policy, in plain words; undefined when it can. */
export function dateProblem(
  iso: string,
  policy: Pick<ClaimablePolicy, 'number' | 'startDate' | 'endDate'>,
  now: Date,
): string | undefined {
  const date = new Date(`${iso}T00:00:00Z`);
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (date > today) {
    return `${formatDate(date)} is in the future. A claim is for something that has already happened; please give the date it happened.`;
  }
  if (date < policy.startDate) {
    return (
      `Your policy ${policy.number} started on ${formatDate(policy.startDate)}, so it does not cover something that happened on ${formatDate(date)}. ` +
      'If the date is right, say "talk to a person"; otherwise please give the correct date.'
    );
  }
  if (date > policy.endDate) {
    return `Your policy ${policy.number} ended on ${formatDate(policy.endDate)}, before ${formatDate(date)}. Please check the date.`;
  }
  return undefined;
}

/** The coverage in the customer's terms: what it would pay on their estimate, or that it does not apply. */
export function coverageSentence(policy: ClaimablePolicy, type: ClaimTypeOption, amount: number): string {
  const coverage = type.coverageOnPolicy;
  const currency = policy.currency;
  if (!coverage.applies) {
    return (
      `Your policy ${policy.number} doesn't include ${type.coverage} coverage, which is what pays for ${lowerFirst(type.name)}. ` +
      'You can still file the claim and the insurer will decide, but it may not be paid.'
    );
  }
  const payout = payoutFor(coverage, amount);
  const loss = lossWords[policy.lineOfBusiness] ?? 'loss';
  const limit = amount > coverage.limit ? ` (the coverage limit is ${money(coverage.limit, currency)})` : '';
  return coverage.deductible > 0
    ? `Your ${coverage.name} coverage has a ${money(coverage.deductible, currency)} deductible, so on a ${money(amount, currency)} ${loss} you would receive up to ${money(payout, currency)}${limit}.`
    : `Your ${coverage.name} coverage has no deductible, so on a ${money(amount, currency)} ${loss} you would receive up to ${money(payout, currency)}${limit}.`;
}

function outstanding(type: ClaimTypeOption | undefined, filing: Filing): ChecklistItem[] {
  return checklistFor(type, filing.attachments, detailsOf(filing.answers)).filter((item) => !item.satisfied);
}

function detailsOf(answers: ClaimDraftAnswers) {
  return {
    ...(answers.incidentTime ? { incidentTime: answers.incidentTime } : {}),
    ...(answers.policeAttended !== undefined ? { policeAttended: answers.policeAttended } : {}),
    ...(answers.policeReportNumber ? { policeReportNumber: answers.policeReportNumber } : {}),
    ...(answers.otherParties ? { otherParties: answers.otherParties } : {}),
    ...(answers.injuries ? { injuries: answers.injuries } : {}),
    ...(answers.provider ? { provider: answers.provider } : {}),
  };
}

function reviewOf(policy: ClaimablePolicy, type: ClaimTypeOption, filing: Filing): ClaimReview {
  const { answers } = filing;
  const facts: ClaimReview['facts'] = [
    { title: 'What happened', value: type.name },
    ...(answers.incidentDate
      ? [
          {
            title: 'When',
            value: `${formatDate(new Date(`${answers.incidentDate}T00:00:00Z`))}${answers.incidentTime ? `, ${answers.incidentTime}` : ''}`,
          },
        ]
      : []),
    ...(answers.location ? [{ title: 'Where', value: answers.location }] : []),
    ...(answers.description ? [{ title: 'Details', value: answers.description }] : []),
    ...(answers.policeAttended !== undefined
      ? [
          {
            title: 'Police',
            value: answers.policeAttended
              ? `Attended${answers.policeReportNumber ? `, report ${answers.policeReportNumber}` : ''}`
              : 'Not attended',
          },
        ]
      : []),
    ...(answers.otherParties ? [{ title: 'Others involved', value: answers.otherParties }] : []),
    ...(answers.injuries ? [{ title: 'Injuries', value: answers.injuries }] : []),
    ...(answers.provider ? [{ title: 'Provider', value: answers.provider }] : []),
    { title: 'Amount', value: money(answers.amountClaimed ?? 0, policy.currency) },
    {
      title: 'Coverage',
      value: type.coverageOnPolicy.applies
        ? `${type.coverageOnPolicy.name}: limit ${money(type.coverageOnPolicy.limit, policy.currency)}, deductible ${money(type.coverageOnPolicy.deductible, policy.currency)}`
        : `none for ${lowerFirst(type.name)} on this policy`,
    },
  ];
  return {
    policyNumber: policy.number,
    typeName: type.name,
    facts,
    coverage: coverageSentence(policy, type, answers.amountClaimed ?? 0),
    files: filing.attachments.map((file) => file.name),
    missing: outstanding(type, filing).map((item) => item.label),
  };
}

/** What the customer reads once the claim is filed: its number, the decision or the next step, and what is missing. */
export function filedText(claim: ClaimView): string {
  const missing = claim.checklist.filter((item) => !item.satisfied).map((item) => item.label);
  const lines = [`Your claim ${claim.number} is filed.`];
  if (claim.status === 'approved' && claim.decision && claim.coverage.applies) {
    lines.push(
      `Approved: ${money(claim.decision.payout, claim.currency)} after your ${money(claim.coverage.deductible, claim.currency)} deductible; payment within ${instantPaymentBusinessDays} business days.`,
    );
  } else {
    lines.push(
      `A claims officer will review it, usually within ${reviewBusinessDays} business days, and I'll let you know here when anything changes.`,
    );
  }
  if (missing.length > 0) {
    lines.push(
      `Still needed: ${missing.join('; ')}. You can send them any time: say "add documents to ${claim.number}".`,
    );
  }
  lines.push('Is there anything else I can help with?');
  return lines.join('\n\n');
}

/** Fills in the type (or a guess at it) from what the customer said when asking to file. */
function applyStory(filing: Filing, policy: ClaimablePolicy, story: string): void {
  const guess = guessClaimType(policy.claimTypes, story);
  if (!guess) return;
  filing.guess = guess.code;
  if (story.split(/\s+/).length >= 4) filing.answers.description = story.slice(0, 4000);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function relativeDay(date: Date, now: Date): string {
  const days = Math.floor((now.getTime() - date.getTime()) / 86_400_000);
  if (days <= 0) return 'earlier today';
  if (days === 1) return 'yesterday';
  return `on ${formatDate(date)}`;
}

async function sayVerificationLapsed(context: TurnContext): Promise<void> {
  await context.sendActivity(
    menu(
      'For your security I need to confirm who you are again. Your answers so far are saved; say "file a claim" to continue.',
    ),
  );
}
