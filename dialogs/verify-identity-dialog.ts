import { MessageFactory, type TurnContext } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { clientKeyOf } from '../src/bot/client-key.js';
import { identityHintOf } from '../src/bot/identity-hint.js';
import { dateOrderOf } from '../src/bot/locale.js';
import { extractEntities, scanEntities } from '../src/bot/recognizers/entities.js';
import { asSensitivePrompt } from '../src/bot/sensitive-input.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { chosenDate, findDate, type DateReading } from '../src/domain/dates.js';
import type { VerificationContext, VerificationIdentifier } from '../src/domain/verification.js';
import { BaseDialog, verifyIdentityDialogId } from './base-dialog.js';
import type { DialogDependencies } from './dependencies.js';
import { menuItems } from './replies.js';

export { verifyIdentityDialogId };
const waterfallId = 'verifyIdentityDialog.steps';
const identifierPromptId = 'verifyIdentityDialog.identifier';
const dateOfBirthPromptId = 'verifyIdentityDialog.dateOfBirth';
const whichDatePromptId = 'verifyIdentityDialog.whichDate';

/** Passed when asking again after a failed attempt. */
interface RetryOptions {
  attemptsLeft?: number;
}

interface StepValues {
  /** The identifier, sealed by the verification service: step values are stored with the dialog state. */
  sealedIdentifier?: string;
  /** The opening message held the date of birth too: the next step reads it from there. */
  dateInOpening?: boolean;
}

/** The two readings of an ambiguous date of birth, kept with the question. */
interface DateOrders {
  dayFirst: string;
  monthFirst: string;
}

/** The answers to "day first or month first?"; each is also what the customer may type. */
const orderChoices = { dayFirst: 'Day first', monthFirst: 'Month first' } as const;

/** Words that say a date in a message is a date of birth (and not, say, the date of an accident). */
const birthWords = /\b(?:born|birth|birthday|dob|d\.o\.b)\b/i;
/** Words a message holding only a number and a date of birth may have besides them. */
const identityFiller =
  /\b(?:my|is|its|it's|and|the|policy|number|no|phone|mobile|cell|date|of|on|i|was|am|here|are|details|verify|me|show|see|view|list|policies|status|hi|hello|please)\b/gi;

const mismatchText = "Sorry, those details don't match our records.";

/**
 * Confirms who the customer is: a policy number or phone, then a date of birth in any common format.
 * Ends with the `VerifiedCustomer`, or undefined when the customer could not be verified (failed or
 * locked). Failures and the locks are kept by the verification service in the database; the dialog only
 * relays them, in words that never say whether a policy number or phone exists.
 */
export class VerifyIdentityDialog extends BaseDialog {
  readonly purpose = 'I need to confirm who you are before I can show your information.';

  constructor(deps: DialogDependencies) {
    super(verifyIdentityDialogId, deps);
    this.addDialog(new TextPrompt(identifierPromptId, (prompt) => this.validateIdentifier(prompt)))
      .addDialog(new TextPrompt(dateOfBirthPromptId, (prompt) => this.validateDateOfBirth(prompt)))
      .addDialog(new TextPrompt(whichDatePromptId, (prompt) => this.validateWhichDate(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.askIdentifier(step),
          (step) => this.askDateOfBirth(step),
          (step) => this.settleDate(step),
          (step) => this.check(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  private async askIdentifier(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const known = await this.deps.session.customer(step.context);
    if (known) return step.endDialog(known);
    const until = await this.deps.services.verification.conversationLockedUntil(conversationOf(step));
    if (until) {
      await this.sayLocked(step, until, false);
      return step.endDialog(undefined);
    }
    const { attemptsLeft } = (step.options ?? {}) as RetryOptions;
    const values = step.values as StepValues;
    // What the message that started verification already says is used, on the first try only: a policy
    // number or phone (and, said as such, the date of birth) is not asked for again.
    const opening = attemptsLeft === undefined ? openingOf(step.context.activity.text ?? '') : undefined;
    if (opening?.identifier) {
      values.sealedIdentifier = this.deps.services.verification.sealIdentifier(opening.identifier);
      if (opening.dateOfBirth) {
        values.dateInOpening = true;
        return step.next(step.context.activity.text);
      }
      return this.promptDateOfBirth(
        step,
        'To keep your information safe, I first need to confirm who you are. Along with the number you gave, what is your date of birth?',
      );
    }
    // A number the channel vouches for stands in for the typed identifier, on the first try only: the
    // date of birth is still required, and a failure asks for the identifier as usual.
    const hint = attemptsLeft === undefined ? identityHintOf(step.context) : undefined;
    if (hint && (await hint.onFile())) {
      values.sealedIdentifier = this.deps.services.verification.sealIdentifier({
        phone: hint.phone,
      });
      return this.promptDateOfBirth(
        step,
        'To keep your information safe, I first need to confirm who you are. What is your date of birth?',
        [menuItems.person],
      );
    }
    const ask = 'What is your policy number (for example AUT-123456) or the phone number on your account?';
    const text =
      attemptsLeft === undefined
        ? `To keep your information safe, I first need to confirm who you are. ${ask}`
        : `${mismatchText} Let's try again; you have ${attemptsLeft === 1 ? '1 more try' : `${attemptsLeft} more tries`}, ` +
          `or you can talk to a person. ${ask}`;
    // Both answers are personal (and a date of birth may come with the number): channels keep no copy.
    return step.prompt(identifierPromptId, {
      // The button sits on the prompt itself: channels show only the latest message's suggestions.
      prompt: asSensitivePrompt(MessageFactory.suggestedActions([menuItems.person], text)),
      retryPrompt: asSensitivePrompt(
        MessageFactory.suggestedActions(
          [menuItems.person],
          'Please type your policy number (three letters and six digits, like AUT-123456) or your phone number.',
        ),
      ),
    });
  }

  private async askDateOfBirth(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = step.values as StepValues;
    const text = String(step.result);
    // The date of birth came with the opening message, or was just answered to the channel's number.
    if (values.dateInOpening || (values.sealedIdentifier && findDate(text))) return step.next(text);
    const identifier = identifierOf(text);
    if (identifier) values.sealedIdentifier = this.deps.services.verification.sealIdentifier(identifier);
    // Someone who gave their date of birth along with the number is not asked for it again.
    if (findDate(text)) return step.next(text);
    return this.promptDateOfBirth(step, 'Thanks. And what is your date of birth?');
  }

  /**
   * A date that could be read two ways (04/05/1988 where the locale does not say) is asked about. The
   * question names no date: the bot's own messages are kept in the conversation's history, and a date of
   * birth must not be.
   */
  private async settleDate(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const reading = dateIn(String(step.result), step.context);
    if (reading?.kind !== 'ambiguous') return step.next(reading?.date);
    const orders: DateOrders = { dayFirst: reading.dayFirst, monthFirst: reading.monthFirst };
    const buttons = [orderChoices.dayFirst, orderChoices.monthFirst];
    return step.prompt(whichDatePromptId, {
      prompt: asSensitivePrompt(
        MessageFactory.suggestedActions(
          buttons,
          'I can read that date two ways. Did you write the day first (as in 31/01/1980) or the month first (as in 01/31/1980)?',
        ),
      ),
      retryPrompt: asSensitivePrompt(
        MessageFactory.suggestedActions(
          buttons,
          'Please say "day first" or "month first", or type your date of birth with the month in words, for example January 31, 1980.',
        ),
      ),
      validations: orders,
    });
  }

  private async check(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { sealedIdentifier } = step.values as StepValues;
    const identifier = sealedIdentifier && this.deps.services.verification.openIdentifier(sealedIdentifier);
    const dateOfBirth = typeof step.result === 'string' ? step.result : undefined;
    if (!identifier || !dateOfBirth) return step.replaceDialog(waterfallId);
    const result = await this.deps.services.verification.verify(
      { ...identifier, dateOfBirth },
      conversationOf(step),
    );
    switch (result.status) {
      case 'verified': {
        const customer: VerifiedCustomer = await this.deps.session.remember(step.context, result.customer);
        await step.context.sendActivity(`Thank you, ${customer.firstName}, you're verified.`);
        return step.endDialog(customer);
      }
      case 'failed': {
        const retry: RetryOptions = { attemptsLeft: result.attemptsLeft };
        return step.replaceDialog(waterfallId, retry);
      }
      case 'locked':
        await this.sayLocked(step, result.until, result.afterFailure);
        return step.endDialog(undefined);
    }
  }

  private promptDateOfBirth(
    step: WaterfallStepContext,
    text: string,
    buttons: string[] = [],
  ): Promise<DialogTurnResult> {
    return step.prompt(dateOfBirthPromptId, {
      prompt: asSensitivePrompt(
        buttons.length ? MessageFactory.suggestedActions(buttons, text) : MessageFactory.text(text),
      ),
      retryPrompt: asSensitivePrompt(
        MessageFactory.text(
          'Please type your date of birth, for example 1980-01-31, 01/31/1980 or January 31, 1980.',
        ),
      ),
    });
  }

  private async sayLocked(step: WaterfallStepContext, until: Date, justFailed: boolean): Promise<void> {
    const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
    await step.context.sendActivity(
      MessageFactory.suggestedActions(
        [menuItems.person, menuItems.question],
        `${justFailed ? `${mismatchText} ` : ''}For your security, identity checks are paused for ${minutes} minute${minutes === 1 ? '' : 's'}. ` +
          'A person from our team can help you sooner: just say "talk to a person".',
      ),
    );
  }

  private async validateIdentifier(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return prompt.recognized.succeeded && identifierOf(prompt.recognized.value ?? '') !== undefined;
  }

  private async validateDateOfBirth(prompt: PromptValidatorContext<string>): Promise<boolean> {
    if (!prompt.recognized.succeeded) return false;
    const reading = dateIn(prompt.recognized.value ?? '', prompt.context);
    if (!reading) return false;
    const dates = reading.kind === 'date' ? [reading.date] : reading.choices;
    return dates.some((date) => new Date(`${date}T00:00:00Z`) < new Date());
  }

  /** Day first or month first (by button, words or position), or a date given afresh without ambiguity. */
  private async validateWhichDate(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const { dayFirst, monthFirst } = prompt.options.validations as DateOrders;
    const reply = prompt.recognized.value ?? '';
    const reading = dateIn(reply, prompt.context);
    const named = /\bday\b/i.test(reply) ? dayFirst : /\bmonth\b/i.test(reply) ? monthFirst : undefined;
    const date =
      named ??
      chosenDate(reply, [dayFirst, monthFirst]) ??
      (reading?.kind === 'date' ? reading.date : undefined);
    if (date) prompt.recognized.value = date;
    return date !== undefined;
  }
}

/**
 * What the message that started verification says about who the customer is: the policy number or
 * phone, and whether its date is the date of birth: said to be one, or the message holds nothing else.
 */
function openingOf(text: string): { identifier?: VerificationIdentifier; dateOfBirth: boolean } {
  const scan = scanEntities(text);
  const identifier = identifierOf(text);
  const leftover = scan.rest.replaceAll(identityFiller, ' ').replaceAll(/[^a-z]+/gi, '');
  const dateOfBirth = scan.date !== undefined && (birthWords.test(text) || leftover === '');
  return { ...(identifier ? { identifier } : {}), dateOfBirth };
}

/** The date in a message, read in the customer's locale, past the reference numbers around it. */
function dateIn(text: string, context: TurnContext): DateReading | undefined {
  const dateOrder = dateOrderOf(context);
  return scanEntities(text, dateOrder ? { dateOrder } : {}).date;
}

function identifierOf(text: string): VerificationIdentifier | undefined {
  const { policyNumber, phone } = extractEntities(text);
  if (policyNumber) return { policyNumber };
  if (phone) return { phone };
  return undefined;
}

/** Where the attempt comes from: the conversation, and the client as the channel identified it. */
function conversationOf(step: WaterfallStepContext): VerificationContext {
  const clientKey = clientKeyOf(step.context);
  return {
    channel: channelSourceOf(step.context),
    conversationId: step.context.activity.conversation.id,
    ...(clientKey ? { clientKey } : {}),
  };
}
