/**
 * Open WebSocket streams per conversation. A new stream first replays the stored history after its
 * watermark, then goes live; activities published during the replay wait and are de-duplicated by
 * watermark, so the client sees each activity once and in order.
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

    for (;;) {
      const page = await this.readBacklog(conversationId, subscriber.sent);
      if (page.payloads.length === 0) break;
      subscriber.sent = page.watermark;
      sendText(ws, `{"activities":[${page.payloads.join(',')}],"watermark":"${page.watermark}"}`);
    }
    subscriber.replaying = false;
    for (const { json, seq } of subscriber.pending) this.deliver(subscriber, json, seq);
    subscriber.pending = [];
  }

  /**
   * Pushes one activity, given as JSON (serialised once, however many streams), to the conversation's
   * streams; `seq` is absent for activities that are not stored (typing).
   */
  publish(conversationId: string, json: string, seq: number | undefined): void {
    for (const subscriber of this.streams.get(conversationId) ?? []) {
      if (subscriber.replaying) subscriber.pending.push({ json, seq });
      else this.deliver(subscriber, json, seq);
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

  private deliver(subscriber: Subscriber, json: string, seq: number | undefined): void {
    if (seq === undefined) {
      sendText(subscriber.ws, `{"activities":[${json}]}`);
      return;
    }
    if (seq <= subscriber.sent) return;
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
