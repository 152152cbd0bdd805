/**
 * Open WebSocket streams per conversation. A new stream first replays the stored history after its
 * watermark, then goes live; activities published during the replay wait and are de-duplicated by
 * watermark, so the client sees each activity once and in order. An activity that arrives with a gap
 * before it (another process stored the ones in between) makes the stream catch up from the store
 * first, so nothing is skipped.
 */
import { WebSocket } from 'ws';

/** Loads a page of stored activities, as their JSON, after a watermark (see `ConversationStore.sinceAsJson`). */
export type BacklogReader = (
  conversationId: string,
  watermark: number,
) => Promise<{ payloads: string[]; watermark: number }>;

interface Subscriber {
  ws: WebSocket;
  replaying: boolean;
  /** Highest watermark sent on this socket. */
  sent: number;
  pending: { json: string; seq: number | undefined }[];
}

/** The open streams of every conversation, with replay from a watermark and keep-alive messages. */
export class StreamHub {
  private readonly streams = new Map<string, Set<Subscriber>>();
  private readonly keepAlive: NodeJS.Timeout;

  /**
   * @param keepAliveMs interval of the empty messages the real service sends so that idle connections
   *   stay open through proxies and dead ones get noticed.
   */
  constructor(
    private readonly readBacklog: BacklogReader,
    keepAliveMs: number,
  ) {
    this.keepAlive = setInterval(() => this.ping(), keepAliveMs);
    this.keepAlive.unref();
  }

  /** Serves `ws` for the conversation from `watermark` on; resolves once the replay is sent. */
  async attach(conversationId: string, ws: WebSocket, watermark: number): Promise<void> {
    const subscriber: Subscriber = { ws, replaying: true, sent: watermark, pending: [] };
    let set = this.streams.get(conversationId);
    if (!set) {
      set = new Set();
      this.streams.set(conversationId, set);
    }
    set.add(subscriber);
    ws.on('close', () => {
      const current = this.streams.get(conversationId);
      current?.delete(subscriber);
      if (current?.size === 0) this.streams.delete(conversationId);
    });
    // Clients send only empty keep-alive messages, which need no listener.
    ws.on('error', () => ws.terminate());
    await this.replay(conversationId, subscriber);
  }

  /** The conversations with at least one open stream in this process. */
  conversations(): string[] {
    return [...this.streams.keys()];
  }

  /** Sends what the store holds after the subscriber's watermark, then what was published meanwhile. */
  private async replay(conversationId: string, subscriber: Subscriber): Promise<void> {
    subscriber.replaying = true;
    try {
      for (;;) {
        const page = await this.readBacklog(conversationId, subscriber.sent);
        if (page.payloads.length === 0) break;
        subscriber.sent = page.watermark;
        sendText(
          subscriber.ws,
          `{"activities":[${page.payloads.join(',')}],"watermark":"${page.watermark}"}`,
        );
      }
    } finally {
      subscriber.replaying = false;
    }
    const pending = subscriber.pending;
    subscriber.pending = [];
    // The store was just read: a gap still there is not going to fill, so these go out as they are.
    for (const { json, seq } of pending) this.deliver(conversationId, subscriber, json, seq, true);
  }

  /**
   * Pushes one activity, given as JSON (serialised once, however many streams), to the conversation's
   * streams; `seq` is absent for activities that are not stored (typing).
   */
  publish(conversationId: string, json: string, seq: number | undefined): void {
    for (const subscriber of this.streams.get(conversationId) ?? []) {
      if (subscriber.replaying) subscriber.pending.push({ json, seq });
      else this.deliver(conversationId, subscriber, json, seq);
    }
  }

  /** Closes every stream with "going away"; clients reconnect through `GET conversations/:id`. */
  close(): void {
    clearInterval(this.keepAlive);
    for (const set of this.streams.values()) {
      for (const { ws } of set) {
        ws.close(1001, 'server shutting down');
        // A peer that never answers the close handshake must not keep the process alive.
        setTimeout(() => ws.terminate(), 1000).unref();
      }
    }
    this.streams.clear();
  }

  private deliver(
    conversationId: string,
    subscriber: Subscriber,
    json: string,
    seq: number | undefined,
    acceptGap = false,
  ): void {
    if (seq === undefined) {
      sendText(subscriber.ws, `{"activities":[${json}]}`);
      return;
    }
    if (seq <= subscriber.sent) return;
    if (seq > subscriber.sent + 1 && !acceptGap) {
      // Watermarks are consecutive: the ones in between were stored by another process.
      subscriber.pending.push({ json, seq });
      void this.replay(conversationId, subscriber).catch(() => subscriber.ws.terminate());
      return;
    }
    subscriber.sent = seq;
    sendText(subscriber.ws, `{"activities":[${json}],"watermark":"${seq}"}`);
  }

  private ping(): void {
    for (const set of this.streams.values()) {
      for (const { ws } of set) if (ws.readyState === WebSocket.OPEN) ws.send('');
    }
  }
}

function sendText(ws: WebSocket, text: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(text);
}
