import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { formatDate, money } from '../src/bot/cards.js';
import { normalizePolicyNumber } from '../src/bot/recognizers/entities.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { isDomainError } from '../src/domain/errors.js';
import { isPayable, type PremiumDue } from '../src/domain/payments.js';
import { BaseDialog } from './base-dialog.js';
import type { DialogDependencies } from './dependencies.js';
import type { FaqResult } from './faq-dialog.js';
import { menu, menuItems } from './replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const payPremiumDialogId = 'payPremiumDialog';
const waterfallId = 'payPremiumDialog.steps';
const choicePromptId = 'payPremiumDialog.choice';

export interface PayPremiumOptions {
  /** Pay this policy's premium (still only if the customer holds it). */
  policyNumber?: string;
}

/**
 * What is due on the verified customer's policies (amount, due date, grace period) and a way to pay
 * one: a secure payment link when a payment provider is configured, otherwise the insurer's own
 * instructions. Card details never pass through the chat. A policy number that is not theirs gets the
 * same answer as one that does not exist; a policy with nothing due says so and when the next premium
 * falls.
 */
export class PayPremiumDialog extends BaseDialog {
  readonly purpose =
    'I can show what you owe on your policies and how to pay it: reply with the number of the policy to pay.';

  constructor(deps: DialogDependencies) {
    super(payPremiumDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(choicePromptId))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.choose(step),
          (step) => this.chosen(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  /** The policy named, the only one with something due, or a choice among those that have. */
  private async choose(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    if (!customer) return step.endDialog();
    const { policyNumber } = (step.options ?? {}) as PayPremiumOptions;
    if (policyNumber) return this.offer(step, customer, policyNumber);

    const dues = await this.deps.services.payments.dueForCustomer(customer.customerId);
    if (dues.length === 0) {
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.question],
          "I couldn't find any policies on your account. A person from our team can look into it.",
        ),
      );
      return step.endDialog();
    }
    const payable = dues.filter(isPayable);
    const overview = `Here is what is due on your policies:\n\n${dues.map(dueLine).join('\n')}`;
    if (payable.length === 0) {
      await step.context.sendActivity(menu(`${overview}\n\nNothing needs paying right now.`));
      return step.endDialog();
    }
    if (payable.length === 1) {
      await step.context.sendActivity(overview);
      return this.offer(step, customer, payable[0]!.policyNumber);
    }
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions(
        payable.map((due) => due.policyNumber),
        `${overview}\n\nWhich one would you like to pay?`,
      ),
    });
  }

  /** The answer to the choice: a policy number, or a new request for the main dialog. */
  private async chosen(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const text = String(step.result ?? '').trim();
    const customer = await this.deps.session.customer(step.context);
    if (!customer) return step.endDialog();
    const policyNumber = normalizePolicyNumber(text);
    if (!policyNumber) return step.endDialog({ reroute: text } satisfies FaqResult);
    return this.offer(step, customer, policyNumber);
  }

  private async offer(
    step: WaterfallStepContext,
    customer: VerifiedCustomer,
    policyNumber: string,
  ): Promise<DialogTurnResult> {
    const { payments } = this.deps.services;
    let due: PremiumDue;
    try {
      due = await payments.dueFor(customer.customerId, policyNumber);
    } catch (error) {
      if (!isDomainError(error, 'not_found')) throw error;
      await this.notTheirs(step.context, customer);
      return step.endDialog();
    }
    if (!isPayable(due)) {
      await step.context.sendActivity(nothingDue(due));
      return step.endDialog();
    }
    let start;
    try {
      start = await payments.startPayment(customer.customerId, due.policyNumber);
    } catch (error) {
      // Paid or changed between the two reads.
      if (!isDomainError(error, 'conflict')) throw error;
      await step.context.sendActivity(menu(`Nothing can be paid on ${due.policyNumber} right now.`));
      return step.endDialog();
    }
    const amount = money(due.amount, due.currency);
    const terms = dueTerms(due);
    if (start.kind === 'link') {
      // The link travels as the card's button, which a phone gets written out as a link.
      const card = CardFactory.heroCard(
        `Premium for ${due.policyNumber}: ${amount}`,
        undefined,
        CardFactory.actions([{ type: 'openUrl', title: `Pay ${amount}`, value: start.url }]),
      );
      await step.context.sendActivity(
        MessageFactory.attachment(
          card,
          `${terms}\n\nPay it securely on the payment page; the link is valid until ${formatDate(start.expiresAt)}. ` +
            "Never type card details in this chat: only the payment page asks for them. I'll confirm here once the payment is through.",
        ),
      );
    } else {
      await step.context.sendActivity(menu(`${terms}\n\nTo pay ${start.insurerName}: ${start.instructions}`));
    }
    return step.endDialog();
  }

  private async notTheirs(context: TurnContext, customer: VerifiedCustomer): Promise<void> {
    const dues = await this.deps.services.payments.dueForCustomer(customer.customerId);
    const own = dues.map((due) => due.policyNumber);
    await context.sendActivity(
      MessageFactory.suggestedActions(
        [...own, menuItems.person],
        `I couldn't find a policy with that number on your account.${own.length ? ' These are the policies I can help you pay.' : ''}`,
      ),
    );
  }
}

/** One policy in the overview: what is due and when, or that nothing is. */
function dueLine(due: PremiumDue): string {
  const amount = money(due.amount, due.currency);
  const label = `${due.policyNumber} (${due.typeName}, ${due.insurerName})`;
  switch (due.state) {
    case 'due':
      return `- ${label}: ${amount} due ${formatDate(due.dueDate!)}`;
    case 'overdue':
      return `- ${label}: ${amount} overdue since ${formatDate(due.dueDate!)}; grace period until ${formatDate(due.graceEndDate!)}`;
    case 'upcoming':
      return `- ${label}: nothing due now; next ${amount} on ${formatDate(due.dueDate!)}`;
    case 'lapsed':
      return `- ${label}: lapsed, the grace period ended ${formatDate(due.graceEndDate!)}`;
    case 'none':
      return `- ${label}: nothing due`;
  }
}

/** Amount, due date and grace period of a premium that can be paid now. */
function dueTerms(due: PremiumDue): string {
  const amount = money(due.amount, due.currency);
  return due.state === 'overdue'
    ? `The premium of ${amount} for ${due.policyNumber} was due on ${formatDate(due.dueDate!)}. ` +
        `Your cover continues through the grace period, until ${formatDate(due.graceEndDate!)}, if it is paid by then.`
    : `The premium of ${amount} for ${due.policyNumber} is due on ${formatDate(due.dueDate!)}, ` +
        `with a grace period until ${formatDate(due.graceEndDate!)}.`;
}

/** Why nothing can be paid on this policy now, and what comes next. */
function nothingDue(due: PremiumDue): ReturnType<typeof menu> {
  const amount = money(due.amount, due.currency);
  switch (due.state) {
    case 'upcoming':
      return menu(
        `Nothing is due on ${due.policyNumber} yet: the next premium of ${amount} is due on ${formatDate(due.dueDate!)}. ` +
          "I'll remind you before then.",
      );
    case 'lapsed':
      return MessageFactory.suggestedActions(
        [menuItems.person, menuItems.policies],
        `The grace period of ${due.policyNumber} ended on ${formatDate(due.graceEndDate!)}, so the policy has lapsed ` +
          'and a premium can no longer be paid here. A person from our team can help reinstate it.',
      );
    default:
      return menu(`Nothing is due on ${due.policyNumber}: no further premium is scheduled on it.`);
  }
}
