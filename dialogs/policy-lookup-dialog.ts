import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { coveragesText, documentsView, policyDetailsView, policyListText } from '../src/bot/cards.js';
import type { VerifiedCustomer } from '../src/bot/session.js';
import type { InsurerPolicies, PolicyDetails } from '../src/domain/policies.js';
import { isDomainError } from '../src/domain/errors.js';
import { BaseDialog } from './base-dialog.js';
import type { DialogDependencies } from './dependencies.js';
import { policiesNamed, policyRequestOf, type NamedPolicy, type PolicyFocus } from './policy-choice.js';
import { menuItems, type Reroute } from './replies.js';
import { VerifyIdentityDialog } from './verify-identity-dialog.js';

export const policyLookupDialogId = 'policyLookupDialog';
const waterfallId = 'policyLookupDialog.steps';
const choicePromptId = 'policyLookupDialog.choice';

/** How long document links in a policy's details stay valid. */
export const documentLinkMinutes = 15;

/** Channels that render Adaptive Cards; elsewhere (SMS) the details go out as text. */
const cardChannels: ReadonlySet<string> = new Set(['directline', 'webchat', 'emulator', 'msteams']);

export interface PolicyLookupOptions {
  /** Show this policy's details rather than the list (still only if the customer holds it). */
  policyNumber?: string;
  /** What the customer asks about: the coverages (with limits and deductibles) or the documents. */
  focus?: PolicyFocus;
  /** The line of insurance the customer named ("my auto policy"). */
  line?: string;
}

/** A policy as the choice offers it. */
interface Offered extends NamedPolicy {
  insurerName: string;
}

interface StepValues {
  /** The policies offered to choose from, in the order shown. */
  offered?: Offered[];
}

/**
 * The verified customer's policies grouped by insurer, or one policy's details as an Adaptive Card with
 * a plain-text fallback and signed, expiring document links; or, asked for, one policy's coverages or
 * the customer's documents. Verifies the customer first when needed. After a list, the customer picks a
 * policy by button, number or what it is ("the home one", "the Contoso one", "the one ending 0400"); any
 * other reply is handed back to be handled as a new request. Every lookup is scoped to the verified
 * customer: a policy number that is not theirs gets the same answer as one that does not exist.
 */
export class PolicyLookupDialog extends BaseDialog {
  readonly purpose =
    'I can list your policies or show one in detail: reply with a policy number, or name it ("the home one").';

  constructor(deps: DialogDependencies) {
    super(policyLookupDialogId, deps);
    // The prompt takes any reply: one that names no policy ends the dialog and is handled afresh.
    this.addDialog(new VerifyIdentityDialog(deps))
      .addDialog(new TextPrompt(choicePromptId, async () => true))
      .addDialog(
        new WaterfallDialog(waterfallId, [
          (step) => this.verifiedCustomer(step),
          (step) => this.afterVerification(step),
          (step) => this.afterChoice(step),
        ]),
      );
    this.initialDialogId = waterfallId;
  }

  private async afterVerification(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = step.result as VerifiedCustomer | undefined;
    return customer ? this.show(step, customer) : step.endDialog();
  }

  /** The policy the reply names is shown; a reply naming none is a new request. */
  private async afterChoice(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const text = String(step.result ?? '');
    const { offered = [] } = step.values as StepValues;
    const customer = await this.deps.session.customer(step.context);
    const named = policiesNamed(text, offered);
    if (!customer || named.length === 0 || !(await this.isChoice(text))) {
      const reroute: Reroute = { reroute: text };
      return step.endDialog(reroute);
    }
    // The reply may say what it wants of the policy ("what does the home one cover").
    const focus = policyRequestOf(text).focus ?? ((step.options ?? {}) as PolicyLookupOptions).focus;
    const [only] = named;
    if (only && named.length === 1) {
      await this.showPolicy(step.context, customer, only.number, focus);
      return step.endDialog();
    }
    return this.offer(step, named, 'Several of your policies fit that. Which one do you mean?');
  }

  private async show(step: WaterfallStepContext, customer: VerifiedCustomer): Promise<DialogTurnResult> {
    const { policyNumber, focus, line } = (step.options ?? {}) as PolicyLookupOptions;
    if (policyNumber) {
      await this.showPolicy(step.context, customer, policyNumber, focus);
      return step.endDialog();
    }
    const groups = await this.deps.services.policies.listForCustomer(customer.customerId);
    const own = offeredOf(groups);
    if (own.length === 0) {
      await step.context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.question],
          "I couldn't find any policies on your account. A person from our team can look into it.",
        ),
      );
      return step.endDialog();
    }
    if (focus === 'documents' && !line) {
      await this.showDocuments(step.context, customer, own);
      return step.endDialog();
    }
    const ofLine = line ? own.filter((policy) => policy.lineOfBusiness === line) : own;
    const [only] = ofLine;
    if (only && ofLine.length === 1 && (focus || line)) {
      await this.showPolicy(step.context, customer, only.number, focus);
      return step.endDialog();
    }
    if (line && ofLine.length === 0) {
      return this.offer(
        step,
        own,
        `I don't see a ${line} policy on your account. Here are your policies, ${customer.firstName}:\n\n${policyListText(groups)}\n\nWhich one would you like to see?`,
        false,
      );
    }
    if (focus) {
      const what = focus === 'coverages' ? 'coverages' : 'documents';
      return this.offer(step, ofLine, `Which policy's ${what} would you like to see?`);
    }
    return this.offer(
      step,
      own,
      `Here are your policies, ${customer.firstName}:\n\n${policyListText(groups)}\n\nWhich one would you like to see in detail?`,
      false,
    );
  }

  /** Offers policies to choose from, by button or by name, and waits for the choice. */
  private offer(
    step: WaterfallStepContext,
    policies: Offered[],
    text: string,
    listThem = true,
  ): Promise<DialogTurnResult> {
    (step.values as StepValues).offered = policies;
    const listed = listThem
      ? `${text}\n\n${policies.map((policy) => `- ${policy.number}: ${policy.typeName} (${policy.insurerName})`).join('\n')}`
      : text;
    return step.prompt(choicePromptId, {
      prompt: MessageFactory.suggestedActions(
        policies.map((policy) => policy.number),
        listed,
      ),
    });
  }

  /**
   * Whether a reply is an answer to "which one?" rather than a request of its own ("file a claim on
   * AUT-100200" names a policy too, but asks for something else).
   */
  private async isChoice(text: string): Promise<boolean> {
    const { intent, score } = await this.deps.localRecognizer.recognize(text);
    return intent === 'policy_lookup' || (intent === 'faq' && score < 0.8);
  }

  private async showPolicy(
    context: TurnContext,
    customer: VerifiedCustomer,
    policyNumber: string,
    focus: PolicyFocus | undefined,
  ): Promise<void> {
    let policy: PolicyDetails;
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
    if (focus === 'coverages') {
      await context.sendActivity(
        MessageFactory.suggestedActions([policy.number, menuItems.question], coveragesText(policy)),
      );
      return;
    }
    if (focus === 'documents') {
      await this.sendDocuments(context, [{ policy, links: this.linksOf(policy) }]);
      return;
    }
    const view = policyDetailsView(policy, this.linksOf(policy), documentLinkMinutes);
    const text = cardChannels.has(context.activity.channelId)
      ? `Here are the details of ${policy.number}.`
      : view.text;
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(view.card), text));
  }

  /** Every document of every policy of the customer's, as signed links. */
  private async showDocuments(
    context: TurnContext,
    customer: VerifiedCustomer,
    own: Offered[],
  ): Promise<void> {
    const policies = await Promise.all(
      own.map((summary) => this.deps.services.policies.getForCustomer(customer.customerId, summary.number)),
    );
    await this.sendDocuments(
      context,
      policies.map((policy) => ({ policy, links: this.linksOf(policy) })),
    );
  }

  private async sendDocuments(
    context: TurnContext,
    documents: { policy: PolicyDetails; links: { title: string; url: string }[] }[],
  ): Promise<void> {
    const view = documentsView(documents, documentLinkMinutes);
    if (!view) {
      await context.sendActivity(
        MessageFactory.suggestedActions(
          [menuItems.person, menuItems.policies],
          'There are no documents on your policies yet. A person from our team can send them to you.',
        ),
      );
      return;
    }
    const text = cardChannels.has(context.activity.channelId)
      ? `Here are your documents. The links are valid for ${documentLinkMinutes} minutes.`
      : view.text;
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(view.card), text));
  }

  private linksOf(policy: PolicyDetails): { title: string; url: string }[] {
    return policy.documents.map((document) => ({
      title: document.title,
      url: this.deps.files.signedUrl(document.fileId, documentLinkMinutes * 60),
    }));
  }
}

function offeredOf(groups: InsurerPolicies[]): Offered[] {
  return groups.flatMap((group) =>
    group.policies.map((policy) => ({
      number: policy.number,
      lineOfBusiness: policy.lineOfBusiness,
      typeName: policy.typeName,
      insurerName: group.insurer.name,
    })),
  );
}
