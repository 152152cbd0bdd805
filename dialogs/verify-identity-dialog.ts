import { MessageFactory } from 'botbuilder';
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
import { extractEntities } from '../src/bot/recognizers/entities.js';
import { asSensitivePrompt } from '../src/bot/sensitive-input.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import type { VerificationContext, VerificationIdentifier } from '../src/domain/verification.js';
import { BaseDialog } from './base-dialog.js';
import type { DialogDependencies } from './dependencies.js';
import { menuItems } from './replies.js';

export const verifyIdentityDialogId = 'verifyIdentityDialog';
const waterfallId = 'verifyIdentityDialog.steps';
const identifierPromptId = 'verifyIdentityDialog.identifier';
const dateOfBirthPromptId = 'verifyIdentityDialog.dateOfBirth';

/** Passed when asking again after a failed attempt. */
interface RetryOptions {
  attemptsLeft?: number;
}

interface StepValues {
  /** The identifier, sealed by the verification service: step values are stored with the dialog state. */
  sealedIdentifier?: string;
}

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
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.askIdentifier(step),
          (step) => this.askDateOfBirth(step),
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
    // A number the channel vouches for stands in for the typed identifier, on the first try only: the
    // date of birth is still required, and a failure asks for the identifier as usual.
    const hint = attemptsLeft === undefined ? identityHintOf(step.context) : undefined;
    if (hint) {
      (step.values as StepValues).sealedIdentifier = this.deps.services.verification.sealIdentifier({
        phone: hint.phone,
      });
      return step.prompt(dateOfBirthPromptId, {
        prompt: asSensitivePrompt(
          MessageFactory.suggestedActions(
            [menuItems.person],
            'To keep your information safe, I first need to confirm who you are. What is your date of birth?',
          ),
        ),
        retryPrompt: asSensitivePrompt(
          MessageFactory.text(
            'Please type your date of birth, for example 1980-01-31, 01/31/1980 or January 31, 1980.',
          ),
        ),
      });
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
    // The identifier came from the channel and the date of birth was just answered.
    if (values.sealedIdentifier && extractEntities(text).date) return step.next(text);
    const identifier = identifierOf(text);
    if (identifier) values.sealedIdentifier = this.deps.services.verification.sealIdentifier(identifier);
    // Someone who gave their date of birth along with the number is not asked for it again.
    if (extractEntities(text).date) return step.next(text);
    return step.prompt(dateOfBirthPromptId, {
      prompt: asSensitivePrompt(MessageFactory.text('Thanks. And what is your date of birth?')),
      retryPrompt: asSensitivePrompt(
        MessageFactory.text(
          'Please type your date of birth, for example 1980-01-31, 01/31/1980 or January 31, 1980.',
        ),
      ),
    });
  }

  private async check(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { sealedIdentifier } = step.values as StepValues;
    const identifier = sealedIdentifier && this.deps.services.verification.openIdentifier(sealedIdentifier);
    const dateOfBirth = extractEntities(String(step.result)).date;
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
    const date = extractEntities(prompt.recognized.value ?? '').date;
    return date !== undefined && new Date(`${date}T00:00:00Z`) < new Date();
  }
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
