import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { policyDetailsView, policyListText } from '../src/bot/cards.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import { isDomainError } from '../src/domain/errors.js';
import { BaseDialog } from './base-dialog.js';
import type { DialogDependencies } from './dependencies.js';
import { menuItems } from './replies.js';
import { VerifyIdentityDialog, verifyIdentityDialogId } from './verify-identity-dialog.js';

export const policyLookupDialogId = 'policyLookupDialog';
const waterfallId = 'policyLookupDialog.steps';

/** How long document links in a policy's details stay valid. */
export const documentLinkMinutes = 15;

/** Channels that render Adaptive Cards; elsewhere (SMS) the details go out as text. */
const cardChannels: ReadonlySet<string> = new Set(['directline', 'webchat', 'emulator', 'msteams']);

export interface PolicyLookupOptions {
  /** Show this policy's details rather than the list (still only if the customer holds it). */
  policyNumber?: string;
}

/**
 * The verified customer's policies grouped by insurer, or one policy's details as an Adaptive Card with
 * a plain-text fallback and signed, expiring document links. Verifies the customer first when needed.
 * Every lookup is scoped to the verified customer: a policy number that is not theirs gets the same
 * answer as one that does not exist.
 */
export class PolicyLookupDialog extends BaseDialog {
  readonly purpose = 'I can list your policies or show one in detail: reply with a policy number to see it.';

  constructor(deps: DialogDependencies) {
    super(policyLookupDialogId, deps);
    this.addDialog(new VerifyIdentityDialog(deps)).addDialog(
      new WaterfallDialog(waterfallId, [(step) => this.start(step), (step) => this.afterVerification(step)]),
    );
    this.initialDialogId = waterfallId;
  }

  /** A customer already verified gets the answer right away; anyone else verifies first. */
  private async start(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    return customer ? this.show(step, customer) : step.beginDialog(verifyIdentityDialogId);
  }

  private async afterVerification(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    return customer ? this.show(step, customer) : step.endDialog();
  }

  private async show(step: WaterfallStepContext, customer: VerifiedCustomer): Promise<DialogTurnResult> {
    const { policyNumber } = (step.options ?? {}) as PolicyLookupOptions;
    if (policyNumber) {
      await this.showDetails(step.context, customer, policyNumber);
    } else {
      await this.showList(step.context, customer);
    }
    return step.endDialog();
  }

  private async showList(context: TurnContext, customer: VerifiedCustomer): Promise<void> {
    const groups = await this.deps.services.policies.listForCustomer(customer.customerId);
    const numbers = groups.flatMap((group) => group.policies.map((policy) => policy.number));
    if (numbers.length === 0) {
      await context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.question],
          "I couldn't find any policies on your account. A person from our team can look into it.",
        ),
      );
      return;
    }
    await context.sendActivity(
      MessageFactory.suggestedActions(
        numbers,
        `Here are your policies, ${customer.firstName}:\n\n${policyListText(groups)}\n\nWhich one would you like to see in detail?`,
      ),
    );
  }

  private async showDetails(
    context: TurnContext,
    customer: VerifiedCustomer,
    policyNumber: string,
  ): Promise<void> {
    let policy;
    try {
      policy = await this.deps.services.policies.getForCustomer(customer.customerId, policyNumber);
    } catch (error) {
      if (!isDomainError(error, 'not_found')) throw error;
      const groups = await this.deps.services.policies.listForCustomer(customer.customerId);
      const own = groups.flatMap((group) => group.policies.map((summary) => summary.number));
      await context.sendActivity(
        MessageFactory.suggestedActions(
          [...own, menuItems.person],
          `I couldn't find a policy with that number on your account.${own.length ? ' These are the policies I can show you.' : ''}`,
        ),
      );
      return;
    }
    const links = policy.documents.map((document) => ({
      title: document.title,
      url: this.deps.files.signedUrl(document.fileId, documentLinkMinutes * 60),
    }));
    const view = policyDetailsView(policy, links, documentLinkMinutes);
    const text = cardChannels.has(context.activity.channelId)
      ? `Here are the details of ${policy.number}.`
      : view.text;
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(view.card), text));
  }
}
