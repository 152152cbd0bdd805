/**
 * Brings the activities other app processes store into this process's open streams, so a message the
 * bot sends from one process (a notification, say) reaches a Web Chat connected to another, without
 * sticky sessions. It uses a MongoDB change stream where the database offers one (a replica set) and
 * otherwise a short poll of what was stored lately in the conversations that have streams here. The
 * hub drops what a stream already has, so seeing an activity twice is harmless.
 */
import type { Logger } from '../../log.js';
import type { StreamHub } from './hub.js';
import type { ConversationStore } from './store.js';

/** Options of {@link ActivityFeed}. */
export interface ActivityFeedOptions {
  store: ConversationStore;
  hub: Pick<StreamHub, 'conversations' | 'publish'>;
  logger: Logger;
  /** How often to look when polling; default 1 s. */
  pollMs?: number;
}

/** How far back each poll looks again, for writes that committed late or clocks a little apart. */
const overlapMs = 1000;

export class ActivityFeed {
  private timer: NodeJS.Timeout | undefined;
  private watcher: { close(): Promise<void> } | undefined;
  private polling = false;
  private stopped = false;
  private since = new Date();

  constructor(private readonly options: ActivityFeedOptions) {}

  /** Starts following: the change stream if the database offers one, else the poll. */
  start(): void {
    const { store, hub, logger } = this.options;
    this.watcher = store.watchElsewhere(
      (doc) => hub.publish(doc.conversationId, doc.payload, doc.seq),
      () => {
        // A standalone server or the embedded one: no change streams, so look now and then instead.
        this.watcher = undefined;
        if (this.stopped) return;
        logger.debug('Direct Line feed: no change streams on this database, polling');
        this.startPolling();
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.watcher?.close();
  }

  /** One look at what other processes stored lately (the poll's step; tests call it directly). */
  async poll(): Promise<void> {
    if (this.polling) return;
    const conversations = this.options.hub.conversations();
    const startedAt = new Date();
    if (conversations.length === 0) {
      this.since = startedAt;
      return;
    }
    this.polling = true;
    try {
      const docs = await this.options.store.storedElsewhere(
        conversations,
        new Date(this.since.getTime() - overlapMs),
      );
      for (const doc of docs) this.options.hub.publish(doc.conversationId, doc.payload, doc.seq);
      this.since = startedAt;
    } finally {
      this.polling = false;
    }
  }

  private startPolling(): void {
    this.timer = setInterval(() => {
      this.poll().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'Direct Line feed poll failed'),
      );
    }, this.options.pollMs ?? 1000);
    this.timer.unref();
  }
}
