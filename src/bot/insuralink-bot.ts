/**
 * The customer-facing bot: one ActivityHandler for every channel (Direct Line, SMS, Bot Framework
 * connector), running the dialog it is given (the main dialog, built by `dialogs/index.ts`) over
 * conversation state kept in MongoDB.
 */
import { ActivityHandler, type Activity, type ConversationState, type TurnContext } from 'botbuilder';
import {
  type Dialog,
  DialogSet,
  DialogTurnStatus,
  type DialogContext,
  type DialogState,
  type DialogStateManagerConfiguration,
} from 'botbuilder-dialogs';
import type { HandoffService } from '../domain/handoff.js';
import type { FileStore } from '../files/file-store.js';
import { channelSourceOf } from './channel-source.js';
import { looseFilesHandlerOf } from './loose-files.js';
import type { Session } from './session.js';

/** Where botbuilder-dialogs looks for the turn's memory scope configuration before building one. */
const stateConfigurationKey = 'DialogStateManagerConfiguration';

/**
 * Runs its root dialog for every message and saves conversation state after every turn. Turns of one
 * conversation run one after another in this process, in the order they arrived; should another
 * instance of the app save the same conversation in between, this turn's save fails with
 * `StoragePreconditionError` rather than overwriting the other turn's state.
 */
export class InsuraLinkBot extends ActivityHandler {
  /** The last turn queued per conversation. */
  private readonly turns = new Map<string, Promise<void>>();
  private stateConfiguration: DialogStateManagerConfiguration | undefined;

  /**
   * `welcome` greets a new member of a conversation; `session` is touched on every message, before the
   * dialog runs, so an idle verification has lapsed by the time the dialog looks. While an officer has
   * the conversation (`handoff`), the customer's messages go to them and the dialog does not run.
   */
  constructor(
    private readonly conversationState: ConversationState,
    dialog: Dialog,
    session: Session,
    welcome: Partial<Activity>,
    handoff: Pick<HandoffService, 'requestOf' | 'customerMessage'>,
    files: Pick<FileStore, 'signedUrl' | 'fileIdOf'>,
  ) {
    super();
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState')).add(dialog);
    this.onMessage(async (context, next) => {
      if (await session.handoffNoted(context)) {
        const request = await handoff.requestOf(channelSourceOf(context), context.activity.conversation.id);
        if (request?.live) {
          await handoff.customerMessage({ requestId: request.id, text: customerText(context, files) });
          return next();
        }
        if (!request) await session.clearHandoff(context);
      }
      await session.touch(context);
      await session.recordTurn(context);
      const dc = await this.dialogContext(dialogs, context);
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty && !(await this.looseFiles(context, session))) {
        await dc.beginDialog(dialog.id);
      }
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const added = context.activity.membersAdded ?? [];
      if (added.some((member) => member.id !== context.activity.recipient.id)) {
        await context.sendActivity(welcome);
      }
      await next();
    });
  }

  /**
   * The turn's root dialog context. The dialogs here keep everything in their own dialog state and use
   * no memory scopes, so unlike botbuilder's `runDialog` this neither loads and saves every scope nor
   * sends a memory snapshot trace each turn; and the scope configuration botbuilder builds on a turn's
   * first dialog context is built once and shared by every turn.
   */
  private async dialogContext(dialogs: DialogSet, context: TurnContext): Promise<DialogContext> {
    if (this.stateConfiguration) context.turnState.set(stateConfigurationKey, this.stateConfiguration);
    const dc = await dialogs.createContext(context);
    this.stateConfiguration ??= dc.state.configuration;
    return dc;
  }

  /** Files sent while no dialog waits for them go to the channel's handler, for a verified customer. */
  private async looseFiles(context: TurnContext, session: Session): Promise<boolean> {
    const handler = looseFilesHandlerOf(context);
    if (!handler || !(context.activity.attachments ?? []).some((file) => file.contentUrl)) return false;
    const customer = await session.customer(context);
    return customer ? handler(context, customer) : false;
  }

  override async run(context: TurnContext): Promise<void> {
    const key = `${channelSourceOf(context)}/${context.activity.conversation?.id ?? ''}`;
    const previous = this.turns.get(key) ?? Promise.resolve();
    // A failed turn has already been reported to its own caller; the next one runs regardless.
    const turn = previous.catch(() => undefined).then(() => this.runTurn(context));
    this.turns.set(key, turn);
    try {
      await turn;
    } finally {
      if (this.turns.get(key) === turn) this.turns.delete(key);
    }
  }

  private async runTurn(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}

/**
 * The customer's message for the officer: the text, and each file as a fresh signed link (the officer
 * opens it from the thread).
 */
function customerText(context: TurnContext, files: Pick<FileStore, 'signedUrl' | 'fileIdOf'>): string {
  const lines = [context.activity.text?.trim() ?? ''];
  for (const attachment of context.activity.attachments ?? []) {
    const id = attachment.contentUrl ? files.fileIdOf(attachment.contentUrl) : undefined;
    if (id) lines.push(`[file] ${attachment.name ?? 'attachment'}: ${files.signedUrl(id)}`);
  }
  const text = lines.filter(Boolean).join('\n');
  return text || '(an empty message)';
}
