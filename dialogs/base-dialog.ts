import {
  ComponentDialog,
  Dialog,
  type DialogContext,
  type DialogTurnResult,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { ActivityTypes } from 'botbuilder';
import type { DialogDependencies } from './dependencies.js';
import { aboutAssistant, handOff, helpText, menu, signOut, startOverText } from './replies.js';

/** Below this confidence a message is not taken as help, cancel or a request for a person. */
const interruptionThreshold = 0.7;

/**
 * Marks a turn whose message was already checked for an interruption: nested customer dialogs each
 * continue through `onContinueDialog`, and the outermost one decides for all of them.
 */
const interruptionChecked = Symbol('BaseDialog.interruptionChecked');

/**
 * The shared base of every customer dialog: at any step, "help" explains what the bot is waiting for
 * and asks again, "cancel" or "start over" ends everything and shows the menu, "talk to a person"
 * records a support request and says when someone will respond, "log out" ends the verification, and
 * a question about the assistant or its people ("are you a bot?") is answered before asking again.
 */
/** The id of the verification dialog (`verify-identity-dialog.ts`), which every customer dialog adds. */
export const verifyIdentityDialogId = 'verifyIdentityDialog';

export abstract class BaseDialog extends ComponentDialog {
  protected constructor(
    id: string,
    protected readonly deps: DialogDependencies,
  ) {
    super(id);
  }

  /**
   * A first waterfall step: the verified customer, or the verification dialog first (it ends with the
   * customer, or nothing when they gave up). The dialog must have added `VerifyIdentityDialog`.
   */
  protected async verifiedCustomer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const customer = await this.deps.session.customer(step.context);
    return customer ? step.next(customer) : step.beginDialog(verifyIdentityDialogId);
  }

  /** What the dialog is waiting for, in the customer's terms; shown before the general help. */
  abstract readonly purpose: string;

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    return (await this.interrupt(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  private async interrupt(innerDc: DialogContext): Promise<DialogTurnResult | undefined> {
    const activity = innerDc.context.activity;
    if (activity.type !== ActivityTypes.Message || !activity.text?.trim()) return undefined;
    if (innerDc.context.turnState.get(interruptionChecked)) return undefined;
    innerDc.context.turnState.set(interruptionChecked, true);
    const { intent, score } = await this.deps.localRecognizer.recognize(activity.text);
    if (score < interruptionThreshold) return undefined;
    switch (intent) {
      case 'help': {
        await innerDc.context.sendActivity(`${innermostPurpose(innerDc) ?? this.purpose}\n\n${helpText}`);
        await innerDc.repromptDialog();
        return Dialog.EndOfTurn;
      }
      case 'cancel': {
        const result = await innerDc.cancelAllDialogs(true);
        await innerDc.context.sendActivity(menu(startOverText));
        return result;
      }
      case 'talk_to_person': {
        const result = await innerDc.cancelAllDialogs(true);
        await handOff(innerDc.context, this.deps, 'customer_request', this.id);
        return result;
      }
      case 'log_out': {
        const result = await innerDc.cancelAllDialogs(true);
        await signOut(innerDc.context, this.deps);
        return result;
      }
      case 'about_assistant': {
        await innerDc.context.sendActivity(aboutAssistant());
        await innerDc.repromptDialog();
        return Dialog.EndOfTurn;
      }
      default:
        return undefined;
    }
  }
}

/** The purpose of the deepest customer dialog running, so help speaks about the current question. */
function innermostPurpose(dc: DialogContext): string | undefined {
  let purpose: string | undefined;
  for (let current: DialogContext | undefined = dc; current; current = current.child) {
    const active = current.activeDialog && current.findDialog(current.activeDialog.id);
    if (active instanceof BaseDialog) purpose = active.purpose;
  }
  return purpose;
}
