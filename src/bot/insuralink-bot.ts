/**
 * The customer-facing bot: one ActivityHandler for every channel (Direct Line, SMS, Bot Framework
 * connector), running MainDialog over conversation state kept in MongoDB.
 */
import { ActivityHandler, type ConversationState, type Storage, type TurnContext } from 'botbuilder';
import {
  DialogSet,
  DialogTurnStatus,
  type DialogContext,
  type DialogState,
  type DialogStateManagerConfiguration,
} from 'botbuilder-dialogs';
import type { DialogServices, QuestionAnswerer } from '../../dialogs/dependencies.js';
import { MainDialog } from '../../dialogs/main-dialog.js';
import { greetingText, menu } from '../../dialogs/replies.js';
import type { ConversationLinkService } from '../domain/conversations.js';
import type { FileStore } from '../files/file-store.js';
import type { KnowledgeSource } from '../knowledge/types.js';
import type { Logger } from '../log.js';
import { channelSourceOf } from './channel-source.js';
import type { Recognizer } from './recognizer.js';
import { looseFilesHandlerOf } from './loose-files.js';
import { LocalRecognizer } from './recognizers/local.js';
import { defaultVerificationIdleMs, Session, type SessionData } from './session.js';
import { ConcurrentConversationState } from './state.js';

export type { QuestionAnswerer } from '../../dialogs/dependencies.js';

/** Where botbuilder-dialogs looks for the turn's memory scope configuration before building one. */
const stateConfigurationKey = 'DialogStateManagerConfiguration';

/** Everything the bot is built from; see `createBot`. */
export interface BotOptions {
  /** Where conversation state lives (`MongoStorage` in the app). */
  storage: Storage;
  services: DialogServices;
  /** Records the conversations of verified customers, for notifications. */
  conversations: Pick<ConversationLinkService, 'record'>;
  /** Routes messages to dialogs: the local recognizer, or the OpenAI one when configured. */
  recognizer: Recognizer;
  knowledge: KnowledgeSource;
  /** Writes answers grounded in the articles (OpenAI); without it, answers are the articles' own summaries. */
  answerer?: QuestionAnswerer;
  /** Signs links to policy documents. */
  files: Pick<FileStore, 'signedUrl' | 'fileIdOf' | 'find'>;
  logger: Logger;
  /** How long a verification lasts without messages; default 30 minutes. */
  verificationIdleMs?: number;
  now?: () => Date;
}

/**
 * Runs MainDialog for every message and saves conversation state after every turn. Turns of one
 * conversation run one after another in this process, in the order they arrived; should another
 * instance of the app save the same conversation in between, this turn's save fails with
 * `StoragePreconditionError` rather than overwriting the other turn's state.
 */
export class InsuraLinkBot extends ActivityHandler {
  /** The last turn queued per conversation. */
  private readonly turns = new Map<string, Promise<void>>();
  private stateConfiguration: DialogStateManagerConfiguration | undefined;

  constructor(
    private readonly conversationState: ConversationState,
    dialog: MainDialog,
    session: Session,
  ) {
    super();
    const dialogs = new DialogSet(conversationState.createProperty<DialogState>('dialogState')).add(dialog);
    this.onMessage(async (context, next) => {
      await session.touch(context);
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
        await context.sendActivity(menu(greetingText));
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

/** Builds the bot and its dialogs; the composition root calls this once. */
export function createBot(options: BotOptions): InsuraLinkBot {
  const conversationState = new ConcurrentConversationState(options.storage);
  const session = new Session({
    accessor: conversationState.createProperty<SessionData>('session'),
    conversations: options.conversations,
    idleMs: options.verificationIdleMs ?? defaultVerificationIdleMs,
    ...(options.now ? { now: options.now } : {}),
  });
  const dialog = new MainDialog({
    services: options.services,
    session,
    recognizer: options.recognizer,
    localRecognizer: new LocalRecognizer(options.now ? { now: options.now } : {}),
    knowledge: options.knowledge,
    ...(options.answerer ? { answerer: options.answerer } : {}),
    files: options.files,
    logger: options.logger,
  });
  return new InsuraLinkBot(conversationState, dialog, session);
}
