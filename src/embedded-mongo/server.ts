/**
 * The TCP side: frames messages per connection, answers them in order, and treats garbage from one
 * client as that client's problem (error reply or closed socket), never the server's.
 */
import { unlink } from 'node:fs/promises';
import net from 'node:net';
import type { Document } from 'bson';
import type { Engine } from './engine.js';
import { MongoCommandError } from './errors.js';
import { isPlainObject, type Doc } from './values.js';
import {
  encodeMsg,
  encodeReply,
  MAX_MESSAGE_SIZE,
  OP_QUERY,
  parseMessage,
  ProtocolError,
  type ClientMessage,
} from './wire.js';

/** Whether something accepts connections on a Unix socket path. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Messages read but not yet answered on one connection before we stop reading from it. */
const MAX_PENDING = 64;
/** Reply bytes the client has not taken yet before we stop reading from it. */
const MAX_UNSENT = 64 * 1024 * 1024;

/** Accepts connections and feeds their commands to the engine. */
export class WireServer {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private nextConnectionId = 1;

  constructor(private readonly engine: Engine) {}

  /** Listens on a TCP port (0 = any free port); resolves with the port. */
  async listen(port: number, host: string): Promise<number> {
    const server = await this.open((s, done) => s.listen(port, host, done));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /**
   * Also listens on a Unix domain socket, which local clients reach with less overhead than loopback TCP.
   * A socket file left by a process that died is replaced; one still answering is not.
   */
  async listenOnSocket(path: string): Promise<void> {
    try {
      await this.open((s, done) => s.listen(path, done));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || (await answers(path))) throw err;
      await unlink(path);
      await this.open((s, done) => s.listen(path, done));
    }
  }

  private open(start: (server: net.Server, done: () => void) => void): Promise<net.Server> {
    const server = net.createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      start(server, () => {
        server.off('error', reject);
        // A listening-socket error must not take the process down with it.
        server.on('error', () => undefined);
        this.servers.push(server);
        resolve(server);
      });
    });
  }

  async close(): Promise<void> {
    const closed = this.servers.map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const connection = new Connection(socket, this.engine, this.nextConnectionId++);
    socket.on('data', (chunk: Buffer) => connection.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}

class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1;
  /** Framed messages not yet handled, oldest first. */
  private backlog: Buffer[] = [];
  /** Set while a message is being handled (possibly waiting for the journal); the backlog waits for it. */
  private working = false;
  private pending = 0;
  private waitingForDrain = false;
  private closed = false;
  private readonly remote: string;

  constructor(
    private readonly socket: net.Socket,
    private readonly engine: Engine,
    private readonly connectionId: number,
  ) {
    this.remote = `${socket.remoteAddress ?? '127.0.0.1'}:${socket.remotePort ?? 0}`;
    socket.on('close', () => {
      this.closed = true;
    });
  }

  onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed) {
      if (this.expected < 0) {
        if (this.buffered < 4) return;
        const head = this.chunks[0] as Buffer;
        const length = head.length >= 4 ? head.readInt32LE(0) : Buffer.concat(this.chunks).readInt32LE(0);
        if (length < 16 || length > MAX_MESSAGE_SIZE) {
          // The stream can no longer be framed: the only safe answer is to hang up.
          this.close();
          return;
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) return;
      const all =
        this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.buffered);
      const message = all.subarray(0, this.expected);
      const rest = all.subarray(this.expected);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.expected = -1;
      this.pending++;
      // A client that pipelines faster than we answer (or stops reading replies) is slowed down rather
      // than allowed to queue unbounded work and memory.
      if (this.pending >= MAX_PENDING && !this.socket.isPaused()) this.socket.pause();
      this.backlog.push(message);
      if (!this.working) this.drain();
    }
  }

  /**
   * Handles backlogged messages in order. A command that needs no journal is answered right here, in the
   * same tick it arrived, instead of through a chain of promises per message; one that waits for the
   * journal holds the rest of the backlog until it is answered, so replies keep the order of requests.
   */
  private drain(): void {
    this.working = true;
    for (let message = this.backlog.shift(); message && !this.closed; message = this.backlog.shift()) {
      let waiting: Promise<void> | undefined;
      try {
        waiting = this.handle(message);
      } catch {
        this.close();
      }
      if (waiting) {
        waiting.then(
          () => this.settledThenDrain(),
          () => {
            this.close();
            this.settledThenDrain();
          },
        );
        return;
      }
      this.settled();
    }
    this.working = false;
  }

  private settledThenDrain(): void {
    this.settled();
    this.drain();
  }

  private settled(): void {
    this.pending--;
    this.maybeResume();
  }

  /** Sends a reply, pausing intake while the client is not reading what it already got. */
  private send(reply: Buffer): void {
    this.socket.write(reply);
    if (this.socket.writableLength >= MAX_UNSENT) {
      this.socket.pause();
      this.maybeResume();
    }
  }

  private maybeResume(): void {
    if (this.closed || this.pending >= MAX_PENDING || !this.socket.isPaused()) return;
    if (this.socket.writableLength < MAX_UNSENT) {
      this.socket.resume();
    } else if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.socket.once('drain', () => {
        this.waitingForDrain = false;
        this.maybeResume();
      });
    }
  }

  private close(): void {
    this.closed = true;
    this.chunks = [];
    this.buffered = 0;
    this.backlog = [];
    this.socket.destroy();
  }

  /** Answers one message; returns a promise only when the reply waits for the journal. */
  private handle(raw: Buffer): Promise<void> | undefined {
    if (this.closed) return undefined;
    let message: ClientMessage;
    try {
      message = parseMessage(raw);
    } catch (err) {
      const requestId = raw.readInt32LE(4);
      const reason = err instanceof ProtocolError ? err.message : 'malformed message';
      const error = new MongoCommandError('InvalidBSON', reason).toDocument();
      // Answer in the form the client used, then hang up: the rest of its stream cannot be trusted.
      const opCode = raw.readInt32LE(12);
      this.socket.end(opCode === OP_QUERY ? encodeReply(requestId, error) : encodeMsg(requestId, error));
      this.closed = true;
      return undefined;
    }
    let reply: Document | Promise<Document>;
    try {
      reply = this.execute(message);
    } catch (err) {
      this.fail(message, err);
      return undefined;
    }
    if (reply instanceof Promise) {
      return reply.then(
        (done) => this.respond(message, done),
        (err: unknown) => this.fail(message, err),
      );
    }
    this.respond(message, reply);
    return undefined;
  }

  private respond(message: ClientMessage, reply: Document): void {
    if (this.closed || (message.kind === 'msg' && message.moreToCome)) return;
    try {
      this.send(this.encode(message, reply));
    } catch (err) {
      this.fail(message, err);
    }
  }

  /** Reached when a reply cannot be encoded (e.g. larger than BSON allows). */
  private fail(message: ClientMessage, err: unknown): void {
    if (this.closed) return;
    const error = new MongoCommandError(
      'BSONObjectTooLarge',
      err instanceof Error ? err.message : 'reply could not be encoded',
    ).toDocument();
    this.send(this.encode(message, error));
  }

  /** Encodes a reply in the form the client used (OP_MSG or legacy OP_REPLY). */
  private encode(message: ClientMessage, doc: Document): Buffer {
    return message.kind === 'msg' ? encodeMsg(message.requestId, doc) : encodeReply(message.requestId, doc);
  }

  private execute(message: ClientMessage): Document | Promise<Document> {
    const client = { connectionId: this.connectionId, remote: this.remote };
    if (message.kind === 'msg') {
      const cmd: Doc = message.body;
      for (const [id, docs] of message.sequences) cmd[id] = docs;
      return this.engine.run(cmd, client);
    }
    if (!message.collection.endsWith('.$cmd')) {
      return new MongoCommandError(
        'IllegalOperation',
        'legacy OP_QUERY is only supported for commands',
      ).toDocument();
    }
    const wrapped = message.query.$query ?? message.query.query;
    const cmd: Doc = isPlainObject(wrapped) ? { ...wrapped } : { ...message.query };
    cmd.$db = message.collection.slice(0, -'.$cmd'.length);
    return this.engine.run(cmd, client);
  }
}
