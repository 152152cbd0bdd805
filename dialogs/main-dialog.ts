import { MessageFactory, type TurnContext } from 'botbuilder';
import {
  ComponentDialog,
  WaterfallDialog,
  type DialogTurnResult,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { Intent, Recognition } from '../src/bot/recognizer.js';
import type { DialogDependencies } from './dependencies.js';
import { FaqDialog, faqDialogId, type FaqOptions, type FaqResult } from './faq-dialog.js';
import {
  PolicyLookupDialog,
  policyLookupDialogId,
  type PolicyLookupOptions,
} from './policy-lookup-dialog.js';
import { greetingText, handOff, helpText, menu, menuItemOf, menuItems, type MenuItem } from './replies.js';

export const mainDialogId = 'mainDialog';
const waterfallId = 'mainDialog.steps';

export interface MainOptions {
  /** A message to handle instead of the incoming activity's text (one a child dialog handed back). */
  text?: string;
}

/** What the menu buttons mean; "Ask a question" only invites the question. */
const menuIntents: Readonly<Record<MenuItem, Intent | 'ask'>> = {
  policies: 'policy_lookup',
  claimStatus: 'claim_status',
  fileClaim: 'file_claim',
  benefits: 'benefits',
  question: 'ask',
  person: 'talk_to_person',
};

/**
 * Features the next releases bring to chat. Until then the bot says plainly what it cannot do here and
 * offers a person, rather than pretending.
 */
const notYetInChat: Readonly<Partial<Record<Intent, string>>> = {
  claim_status: "I can't check the status of a claim in this chat yet.",
  file_claim: "Filing a claim in this chat isn't available yet.",
  benefits: "Requesting benefits in this chat isn't available yet.",
};

/**
 * The root dialog: greets, shows the menu and routes each message by its recognised intent. Anything
 * not recognised as a request goes to the knowledge base.
 */
export class MainDialog extends ComponentDialog {
  constructor(private readonly deps: DialogDependencies) {
    super(mainDialogId);
    this.addDialog(new PolicyLookupDialog(deps))
      .addDialog(new FaqDialog(deps))
      .addDialog(new WaterfallDialog(waterfallId, [(step) => this.route(step), (step) => this.finish(step)]));
    this.initialDialogId = waterfallId;
  }

  private async route(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options = (step.options ?? {}) as MainOptions;
    const text = (options.text ?? step.context.activity.text ?? '').trim();
    if (text === '') {
      await step.context.sendActivity(menu('What would you like to do?'));
      return step.endDialog();
    }
    const item = menuItemOf(text);
    const { intent, entities } = item
      ? { intent: menuIntents[item], entities: {} }
      : await this.recognize(step.context, text);

    switch (intent) {
      case 'greeting': {
        const customer = await this.deps.session.customer(step.context);
        await step.context.sendActivity(
          menu(customer ? `Hi ${customer.firstName}, what would you like to do?` : greetingText),
        );
        return step.endDialog();
      }
      case 'help':
        await step.context.sendActivity(menu(helpText));
        return step.endDialog();
      case 'cancel':
        await step.context.sendActivity(menu("There's nothing to cancel. What would you like to do?"));
        return step.endDialog();
      case 'talk_to_person':
        await handOff(step.context, this.deps, 'customer_request', 'menu');
        return step.endDialog();
      case 'ask':
        await step.context.sendActivity('Sure, what would you like to know?');
        return step.endDialog();
      case 'policy_lookup': {
        const lookup: PolicyLookupOptions = entities.policyNumber
          ? { policyNumber: entities.policyNumber }
          : {};
        return step.beginDialog(policyLookupDialogId, lookup);
      }
      case 'claim_status':
      case 'file_claim':
      case 'benefits':
        await step.context.sendActivity(
          MessageFactory.suggestedActions(
            [menuItems.person, menuItems.policies, menuItems.question],
            `${notYetInChat[intent]} A person from our team can help with that, and I can show your policies or answer a question.`,
          ),
        );
        return step.endDialog();
      case 'faq': {
        const faq: FaqOptions = { question: text };
        return step.beginDialog(faqDialogId, faq);
      }
    }
  }

  private async finish(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as FaqResult | undefined;
    if (result?.reroute) {
      const options: MainOptions = { text: result.reroute };
      return step.replaceDialog(waterfallId, options);
    }
    return step.endDialog();
  }

  /** The configured recognizer, or the local one should it fail, so a message is never dropped. */
  private async recognize(
    context: TurnContext,
    text: string,
  ): Promise<Pick<Recognition, 'intent' | 'entities'>> {
    try {
      return await this.deps.recognizer.recognize(text);
    } catch (error) {
      this.deps.logger.warn(
        {
          err: error instanceof Error ? error.name : 'unknown',
          conversationId: context.activity.conversation.id,
        },
        'recognizer failed; using the local one',
      );
      return this.deps.localRecognizer.recognize(text);
    }
  }
}
