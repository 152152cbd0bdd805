import { MessageFactory } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { formatDate } from '../src/bot/cards.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { isDomainError } from '../src/domain/errors.js';
import type { RenewalOption } from '../src/domain/requests.js';
import { BaseDialog } from './base-dialog.js';
import type { DialogDependencies } from './dependencies.js';
import type { FaqResult } from './faq-dialog.js';
import { menu, menuItems } from './replies.js';
import { filedRequestText } from './request-replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const renewalDialogId = 'renewalDialog';
const waterfallId = 'renewalDialog.steps';
const choicePromptId = 'renewalDialog.choice';
const changesPromptId = 'renewalDialog.changes';

export interface RenewalOptions {
  /** Renew this policy ("RENEW AUT-100200"), still only if it is the customer's. */
  policyNumber?: string;
}

export const renewalChoices = { same: 'Renew as it is', changes: 'Ask for changes' } as const;

interface StepValues {
  policyNumber?: string;
  sameTerms?: boolean;
}

/**
 * Renews a policy: from 60 days before its end date (and from a reminder's "reply RENEW"), the customer
 * confirms renewal on the same terms or says what should change. A same-terms renewal of a policy in
 * good standing is accepted at once by rule and the policy runs a term longer; anything else goes to
 * an officer. Earlier than the window, the customer is told when it opens.
 */
export class RenewalDialog extends BaseDialog {
  readonly purpose =
    'I am renewing your policy with you: answer the question above, or say "cancel" to stop.';

  constructor(deps: DialogDependencies) {
    super(renewalDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(choicePromptId))
      .addDialog(new TextPrompt(changesPromptId, (prompt) => this.validateChanges(prompt)))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.choosePolicy(step),
          (step) => this.chooseTerms(step),
          (step) => this.askChanges(step),
          (step) => this.file(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  private async choosePolicy(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const wanted = ((step.options ?? {}) as RenewalOptions).policyNumber?.toUpperCase();
    const options = await this.deps.services.requests.renewalOptions(customer.customerId);
    if (wanted) {
      if (!options.some((option) => option.policyNumber === wanted)) {
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.policies, menuItems.person],
            "I can only renew one of your own policies, and that isn't one of them.",
          ),
        );
        return step.endDialog();
      }
      return step.next(wanted);
    }
    const open = options.filter((option) => option.open);
    if (open.length === 1) return step.next(open[0]!.policyNumber);
    if (open.length === 0) {
      const next = options.filter((option) => option.status === 'active')[0];
      await step.context.sendActivity(
        menu(
          next
            ? `None of your policies can be renewed yet: renewal opens ${windowDays} days before a policy ends. The first is ${next.policyNumber}, from ${formatDate(next.opensOn)}.`
            : "You don't have a policy I can renew here.",
        ),
      );
      return step.endDialog();
    }
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions(
        open.map((option) => option.policyNumber),
        `Which policy would you like to renew?\n\n${open.map((option) => `- ${option.policyNumber}: ${option.typeName}, ends ${formatDate(option.endDate)}`).join('\n')}`,
      ),
    });
  }

  private async chooseTerms(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    if (!customer) return step.endDialog();
    const typed = String(step.result ?? '')
      .trim()
      .toUpperCase();
    const options = await this.deps.services.requests.renewalOptions(customer.customerId);
    const option = options.find((candidate) => typed.includes(candidate.policyNumber));
    if (!option) return step.endDialog({ reroute: String(step.result ?? '') } satisfies FaqResult);
    if (!option.open) {
      await step.context.sendActivity(
        menu(
          `It's too early to renew ${option.policyNumber}: it ends on ${formatDate(option.endDate)}, and renewal opens ${windowDays} days before, on ${formatDate(option.opensOn)}. I'll remind you then.`,
        ),
      );
      return step.endDialog();
    }
    if (option.pending) {
      await step.context.sendActivity(
        menu(`Your renewal request ${option.pending} for ${option.policyNumber} is already with our team.`),
      );
      return step.endDialog();
    }
    (step.values as StepValues).policyNumber = option.policyNumber;
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions(
        [renewalChoices.same, renewalChoices.changes],
        `${option.policyNumber} (${option.typeName}) ends on ${formatDate(option.endDate)}. ${standingText(option)}Would you like to renew it on the same terms, or ask for changes?`,
      ),
    });
  }

  private async askChanges(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const typed = String(step.result ?? '')
      .trim()
      .toLowerCase();
    const values = step.values as StepValues;
    if (typed === renewalChoices.same.toLowerCase() || /\b(?:same|as it is|yes|renew)\b/.test(typed)) {
      values.sameTerms = true;
      return step.next(undefined);
    }
    if (typed === renewalChoices.changes.toLowerCase() || /\bchange/.test(typed)) {
      values.sameTerms = false;
      return step.prompt(changesPromptId, {
        prompt: MessageFactory.text(
          'What would you like to change? An officer will look at it and set the new terms.',
        ),
        retryPrompt: MessageFactory.text('Please say in a few words what should change.'),
      });
    }
    return step.endDialog({ reroute: String(step.result ?? '') } satisfies FaqResult);
  }

  private async file(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    const values = step.values as StepValues;
    if (!customer || !values.policyNumber) return step.endDialog();
    try {
      const request = await this.deps.services.requests.requestRenewal(
        {
          customerId: customer.customerId,
          policyNumber: values.policyNumber,
          sameTerms: values.sameTerms === true,
          ...(values.sameTerms ? {} : { changes: String(step.result).trim().slice(0, 1000) }),
        },
        { type: 'customer', id: customer.customerId, channel: channelSourceOf(step.context) },
      );
      const renewed =
        request.status === 'approved'
          ? ` ${values.policyNumber} now runs a further term on the same terms.`
          : '';
      await step.context.sendActivity(
        menu(`${filedRequestText(request)}${renewed}\n\nIs there anything else I can help with?`),
      );
      return step.endDialog(request);
    } catch (error) {
      if (!isDomainError(error, 'conflict')) throw error;
      await step.context.sendActivity(
        menu(`I can't renew ${values.policyNumber} right now: ${error.message}.`),
      );
      return step.endDialog();
    }
  }

  private async validateChanges(prompt: PromptValidatorContext<string>): Promise<boolean> {
    return prompt.recognized.succeeded && (prompt.recognized.value ?? '').trim().length >= 3;
  }
}

const windowDays = 60;

function standingText(option: RenewalOption): string {
  return option.problems.length
    ? `Our team will look at it first because: ${option.problems.join('; ')}. `
    : '';
}
