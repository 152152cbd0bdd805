/**
 * The whole bot over the embedded database with the demo data, driven through botbuilder's TestAdapter.
 */
import { TestAdapter, type Activity, type ConversationState, type Storage } from 'botbuilder';
import type { DialogDependencies } from '../../dialogs/dependencies.js';
import type mongoose from 'mongoose';
import { pino } from 'pino';
import { setClientKey } from '../../src/bot/client-key.js';
import type { Recognizer } from '../../src/bot/recognizer.js';
import { LocalRecognizer } from '../../src/bot/recognizers/local.js';
import { channelSourceMiddleware } from '../../src/bot/channel-source.js';
import { createBot, type QuestionAnswerer } from '../../dialogs/index.js';
import type { InsuraLinkBot } from '../../src/bot/insuralink-bot.js';
import { Session, type SessionData } from '../../src/bot/session.js';
import { MongoStorage } from '../../src/bot/storage.js';
import { demoCustomer, seedDemoData } from '../../src/db/seed.js';
import { createDomainServices, type CheckoutLinks, type DomainServices } from '../../src/domain/index.js';
import { createFileStore, type FileStore } from '../../src/files/file-store.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { knowledgeBaseDir } from '../../src/knowledge/paths.js';
import { createKnowledgeSource } from '../../src/knowledge/retrieval.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

export const fileBaseUrl = 'http://files.test';
/** The time zone the dialogs say times in for customers with none on file (`DEFAULT_TIME_ZONE`'s default). */
const defaultTimeZone = 'America/New_York';

export interface Harness {
  db: TestDatabase;
  domain: DomainServices;
  /** The file store the bot reads attachments from. */
  files: FileStore;
  bot: InsuraLinkBot;
  /** What the dialogs are given, with a session kept in `state`: for testing one dialog on its own. */
  dialogDependencies(state: ConversationState): DialogDependencies;
  /**
   * Another bot over the same database with its own storage, as a second instance of the app would be;
   * optionally with another recognizer or answerer.
   */
  newBot(overrides?: Pick<HarnessOptions, 'recognizer' | 'answerer'>): InsuraLinkBot;
  /**
   * A conversation with the bot (by default `bot`); each call starts a new one unless given an id.
   * `clientKey` is what a channel would put on each turn for the caller.
   */
  conversation(options?: {
    id?: string;
    channelId?: string;
    bot?: InsuraLinkBot;
    clientKey?: string;
    /** The locale every message carries (botbuilder's test default is `en-us`); null for none, as on SMS. */
    locale?: string | null;
  }): Conversation;
  stop(): Promise<void>;
}

/** One conversation: send a message (or any activity), get back the bot's messages of that turn. */
export interface Conversation {
  readonly id: string;
  say(input: string | Partial<Activity>): Promise<Partial<Activity>[]>;
}

export interface HarnessOptions {
  /** Bot state storage over the test database; default `MongoStorage`. */
  storage?: (connection: mongoose.Connection) => Storage;
  recognizer?: Recognizer;
  answerer?: QuestionAnswerer;
  now?: () => Date;
  /** Payment links (the Stripe stand-in); unset, the bot gives the insurers' payment instructions. */
  checkout?: CheckoutLinks;
}

let conversations = 0;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await startTestDatabase();
  try {
    const files = createFileStore({
      db: db.connection.db!,
      secret: 'test-secret-for-file-links-0123',
      baseUrl: () => fileBaseUrl,
    });
    await seedDemoData(db.models, db.cipher, { saveDocument: (file) => files.save(file) });
    const domain = createDomainServices(db.models, db.cipher, {
      ...(options.checkout ? { checkout: options.checkout } : {}),
    });
    const knowledge = createKnowledgeSource(await loadKnowledgeBase(knowledgeBaseDir()));
    const logger = pino({ level: 'silent' });
    const newBot = (overrides: Pick<HarnessOptions, 'recognizer' | 'answerer'> = {}) => {
      const answerer = overrides.answerer ?? options.answerer;
      return createBot({
        storage: options.storage?.(db.connection) ?? new MongoStorage(db.connection),
        services: domain,
        conversations: domain.conversations,
        recognizer: overrides.recognizer ?? options.recognizer ?? new LocalRecognizer(),
        knowledge,
        ...(answerer ? { answerer } : {}),
        files,
        logger,
        defaultTimeZone,
        ...(options.now ? { now: options.now } : {}),
      });
    };
    const bot = newBot();
    return {
      db,
      domain,
      files,
      bot,
      newBot,
      dialogDependencies: (state) => ({
        services: domain,
        session: new Session({
          accessor: state.createProperty<SessionData>('session'),
          conversations: domain.conversations,
        }),
        recognizer: options.recognizer ?? new LocalRecognizer(),
        localRecognizer: new LocalRecognizer(),
        knowledge,
        files,
        logger,
        defaultTimeZone,
      }),
      conversation(conversationOptions = {}) {
        conversations += 1;
        const id = conversationOptions.id ?? `conversation-${conversations}`;
        const reference = TestAdapter.createConversation(id);
        if (conversationOptions.channelId) reference.channelId = conversationOptions.channelId;
        if (conversationOptions.locale === null) delete reference.locale;
        else if (conversationOptions.locale) reference.locale = conversationOptions.locale;
        const target = conversationOptions.bot ?? bot;
        const adapter = new TestAdapter((context) => target.run(context), reference);
        // TestAdapter is no channel of the app's; its turns are keyed as Direct Line's.
        adapter.use(channelSourceMiddleware('directline'));
        const { clientKey } = conversationOptions;
        if (clientKey) {
          adapter.use(async (context, next) => {
            setClientKey(context, clientKey);
            await next();
          });
        }
        return {
          id,
          async say(input) {
            await adapter.receiveActivity(input);
            const replies = adapter.activeQueue.splice(0);
            return replies.filter((reply) => reply.type === 'message');
          },
        };
      },
      stop: () => db.stop(),
    };
  } catch (error) {
    await db.stop();
    throw error;
  }
}

/**
 * Verifies `chat` as the demo customer Jordan: asks for the policies, then gives `policyNumber` and the date
 * of birth. Resolves with the bot's messages of that last turn.
 */
export async function verifyAsJordan(
  chat: Conversation,
  policyNumber: string = demoCustomer.policies.auto,
): Promise<Partial<Activity>[]> {
  await chat.say('Show my policies');
  await chat.say(policyNumber);
  return chat.say(demoCustomer.dateOfBirth);
}

/** Every text of a turn, joined, for assertions about what the customer read. */
export function textOf(replies: Partial<Activity>[]): string {
  return replies.map((reply) => reply.text ?? '').join('\n');
}

/** The suggested actions the last message of a turn offered, by title. */
export function suggestionsOf(replies: Partial<Activity>[]): string[] {
  const last = replies.at(-1);
  return (last?.suggestedActions?.actions ?? []).map((action) => action.title ?? String(action.value));
}
