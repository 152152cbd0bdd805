/**
 * The customer-facing bot with its dialogs: the one place that puts the main dialog into the bot, for
 * the composition root (and the tests that build the bot the way the app does).
 */
import type { Storage } from 'botbuilder';
import { InsuraLinkBot } from '../src/bot/insuralink-bot.js';
import type { Recognizer } from '../src/bot/recognizer.js';
import { LocalRecognizer } from '../src/bot/recognizers/local.js';
import { defaultVerificationIdleMs, Session, type SessionData } from '../src/bot/session.js';
import { ConcurrentConversationState } from '../src/bot/state.js';
import type { ConversationLinkService } from '../src/domain/conversations.js';
import type { FileStore } from '../src/files/file-store.js';
import type { KnowledgeSource } from '../src/knowledge/types.js';
import type { Logger } from '../src/log.js';
import type { DialogServices, QuestionAnswerer } from './dependencies.js';
import { MainDialog } from './main-dialog.js';
import { greetingText, menu } from './replies.js';

export type { QuestionAnswerer } from './dependencies.js';

/** Everything the bot is built from; see `createBot`. */
export interface BotOptions {
  /** Where conversation state lives (`MongoStorage` in the app). */
  storage: Storage;
  services: DialogServices;
  /** Records the conversations of verified customers, for notifications. */
  conversations: Pick<ConversationLinkService, 'record' | 'forget'>;
  /** Routes messages to dialogs: the local recognizer, or the OpenAI one when configured. */
  recognizer: Recognizer;
  knowledge: KnowledgeSource;
  /** Writes answers grounded in the articles (OpenAI); without it, answers are the articles' own summaries. */
  answerer?: QuestionAnswerer;
  /** Signs links to policy documents. */
  files: Pick<FileStore, 'signedUrl' | 'fileIdOf' | 'find'>;
  logger: Logger;
  /** `DEFAULT_TIME_ZONE`: times are said in it to someone whose time zone is not on file. */
  defaultTimeZone: string;
  /** How long a verification lasts without messages; default 30 minutes. */
  verificationIdleMs?: number;
  now?: () => Date;
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
    defaultTimeZone: options.defaultTimeZone,
  });
  return new InsuraLinkBot(
    conversationState,
    dialog,
    session,
    menu(greetingText),
    options.services.handoff,
    options.files,
  );
}
