import { MessageFactory, type TurnContext } from 'botbuilder';
import {
  ComponentDialog,
  DialogTurnStatus,
  type DialogContext,
  type DialogTurnResult,
} from 'botbuilder-dialogs';
import type { Intent, Recognition } from '../src/bot/recognizer.js';
import type { DialogDependencies } from './dependencies.js';
import { BenefitsDialog, benefitsDialogId, type BenefitsOptions } from './benefits-dialog.js';
import { ClaimStatusDialog, claimStatusDialogId, type ClaimStatusOptions } from './claim-status-dialog.js';
import { DependentsDialog, dependentsDialogId, type DependentsOptions } from './dependents-dialog.js';
import { FaqDialog, faqDialogId, type FaqOptions } from './faq-dialog.js';
import { FileClaimDialog, fileClaimDialogId, type FileClaimOptions } from './file-claim-dialog.js';
import { PayPremiumDialog, payPremiumDialogId, type PayPremiumOptions } from './pay-premium-dialog.js';
import {
  PolicyLookupDialog,
  policyLookupDialogId,
  type PolicyLookupOptions,
} from './policy-lookup-dialog.js';
import { RenewalDialog, renewalDialogId, type RenewalOptions } from './renewal-dialog.js';
import {
  RequestStatusDialog,
  requestStatusDialogId,
  type RequestStatusOptions,
} from './request-status-dialog.js';
import { UpgradeDialog, upgradeDialogId, type UpgradeOptions } from './upgrade-dialog.js';
import { smallTalkOf } from '../src/bot/recognizers/small-talk.js';
import {
  aboutAssistant,
  greetingText,
  handOff,
  helpText,
  manageItems,
  menu,
  menuItemOf,
  signOut,
  smallTalkReply,
  type MenuItem,
  type Reroute,
} from './replies.js';
import { policyRequestOf } from './policy-choice.js';

export const mainDialogId = 'mainDialog';

/** The message is answered and nothing is left waiting for the customer. */
const answered: DialogTurnResult = { status: DialogTurnStatus.complete };

export interface MainOptions {
  /** A message to handle instead of the incoming activity's text (one a child dialog handed back). */
  text?: string;
}

/** What the menu buttons mean; "Ask a question" only invites the question, "Manage" offers the changes. */
const menuIntents: Readonly<Record<MenuItem, Intent | 'ask' | 'manage'>> = {
  policies: 'policy_lookup',
  claimStatus: 'claim_status',
  fileClaim: 'file_claim',
  benefits: 'benefits',
  manage: 'manage',
  payPremium: 'pay_premium',
  question: 'ask',
  person: 'talk_to_person',
};

/**
 * The root dialog: greets, shows the menu and routes each message by its recognised intent. Anything
 * not recognised as a request goes to the knowledge base. Routing is a single decision per message, so
 * it runs as the dialog begins rather than as a waterfall step: one dialog context less on every turn.
 */
export class MainDialog extends ComponentDialog {
  constructor(private readonly deps: DialogDependencies) {
    super(mainDialogId);
    this.addDialog(new PolicyLookupDialog(deps))
      .addDialog(new FaqDialog(deps))
      .addDialog(new FileClaimDialog(deps))
      .addDialog(new ClaimStatusDialog(deps))
      .addDialog(new BenefitsDialog(deps))
      .addDialog(new RequestStatusDialog(deps))
      .addDialog(new DependentsDialog(deps))
      .addDialog(new RenewalDialog(deps))
      .addDialog(new UpgradeDialog(deps))
      .addDialog(new PayPremiumDialog(deps));
  }

  protected override onBeginDialog(innerDc: DialogContext, options?: MainOptions): Promise<DialogTurnResult> {
    return this.route(innerDc, (options?.text ?? innerDc.context.activity.text ?? '').trim());
  }

  /** A message a child handed back (a new request rather than a reply to it) is routed afresh. */
  protected override endComponent(outerDc: DialogContext, result: unknown): Promise<DialogTurnResult> {
    const reroute = (result as Reroute | undefined)?.reroute;
    if (!reroute) return super.endComponent(outerDc, result);
    const options: MainOptions = { text: reroute };
    return outerDc.replaceDialog(this.id, options);
  }

  private async route(dc: DialogContext, text: string): Promise<DialogTurnResult> {
    const { context } = dc;
    if (text === '') {
      await context.sendActivity(menu('What would you like to do?'));
      return answered;
    }
    const item = menuItemOf(text);
    const { intent, entities } = item
      ? { intent: menuIntents[item], entities: {} }
      : await this.recognize(context, text);

    switch (intent) {
      case 'greeting': {
        const customer = await this.deps.session.customer(context);
        await context.sendActivity(
          smallTalkOf(text) === 'how_are_you'
            ? smallTalkReply('how_are_you', customer !== undefined)
            : menu(customer ? `Hi ${customer.firstName}, what would you like to do?` : greetingText),
        );
        return answered;
      }
      case 'small_talk': {
        const signedIn = (await this.deps.session.customer(context)) !== undefined;
        await context.sendActivity(smallTalkReply(smallTalkOf(text), signedIn));
        return answered;
      }
      case 'about_assistant':
        await context.sendActivity(aboutAssistant());
        return answered;
      case 'log_out':
        await signOut(context, this.deps);
        return answered;
      case 'help':
        await context.sendActivity(menu(helpText));
        return answered;
      case 'cancel':
        await context.sendActivity(menu("There's nothing to cancel. What would you like to do?"));
        return answered;
      case 'talk_to_person':
        await handOff(context, this.deps, 'customer_request', 'menu');
        return answered;
      case 'ask':
        await context.sendActivity('Sure, what would you like to know?');
        return answered;
      case 'policy_lookup': {
        const lookup: PolicyLookupOptions = {
          ...(entities.policyNumber ? { policyNumber: entities.policyNumber } : {}),
          ...policyRequestOf(text),
        };
        return dc.beginDialog(policyLookupDialogId, lookup);
      }
      case 'file_claim': {
        const filing: FileClaimOptions = {
          ...(entities.policyNumber ? { policyNumber: entities.policyNumber } : {}),
          // The menu button says nothing about what happened; a sentence may ("my basement flooded").
          ...(item ? {} : { story: text }),
        };
        return dc.beginDialog(fileClaimDialogId, filing);
      }
      case 'claim_status': {
        const status: ClaimStatusOptions = entities.claimNumber ? { claimNumber: entities.claimNumber } : {};
        return dc.beginDialog(claimStatusDialogId, status);
      }
      case 'pay_premium': {
        const paying: PayPremiumOptions = entities.policyNumber
          ? { policyNumber: entities.policyNumber }
          : {};
        return dc.beginDialog(payPremiumDialogId, paying);
      }
      case 'manage':
        await context.sendActivity(
          MessageFactory.suggestedActions(Object.values(manageItems), 'What would you like to change?'),
        );
        return answered;
      case 'benefits': {
        // The menu button says nothing about which benefit; a sentence may ("I need a rental car").
        const benefits: BenefitsOptions = item ? {} : { text };
        return dc.beginDialog(benefitsDialogId, benefits);
      }
      case 'request_status': {
        const status: RequestStatusOptions = entities.requestNumber
          ? { requestNumber: entities.requestNumber }
          : {};
        return dc.beginDialog(requestStatusDialogId, status);
      }
      case 'dependents': {
        const dependents: DependentsOptions = {
          text,
          ...(entities.policyNumber ? { policyNumber: entities.policyNumber } : {}),
        };
        return dc.beginDialog(dependentsDialogId, dependents);
      }
      case 'renewal': {
        const renewal: RenewalOptions = entities.policyNumber ? { policyNumber: entities.policyNumber } : {};
        return dc.beginDialog(renewalDialogId, renewal);
      }
      case 'upgrade': {
        const upgrade: UpgradeOptions = entities.policyNumber ? { policyNumber: entities.policyNumber } : {};
        return dc.beginDialog(upgradeDialogId, upgrade);
      }
      case 'faq': {
        const faq: FaqOptions = { question: text };
        return dc.beginDialog(faqDialogId, faq);
      }
    }
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
