/** Raw-socket helpers for tests that speak (or mangle) the wire protocol directly. */
import net from 'node:net';
import { BSON, type Document } from 'mongodb';

/** Host and port of the first server in a connection string. */
export function endpoint(uri: string): { host: string; port: number } {
  const hostPart = (uri.replace(/^mongodb(\+srv)?:\/\//, '').split('/')[0] ?? '').split(',')[0] ?? '';
  const at = hostPart.lastIndexOf('@');
  const [host, port] = hostPart.slice(at + 1).split(':');
  return { host: host ?? '127.0.0.1', port: Number(port ?? 27017) };
}

/** What happened after sending bytes: a reply arrived, the server hung up, or neither within the wait. */
interface Exchange {
  reply: Buffer | undefined;
  closed: boolean;
}

export function exchange(uri: string, bytes: Buffer, waitMs = 3000, endAfterSend = false): Promise<Exchange> {
  const { host, port } = endpoint(uri);
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      resolve({ reply: all.length >= 16 ? all : undefined, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => {
      socket.write(bytes);
      if (endAfterSend) socket.end();
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= all.readInt32LE(0)) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

export function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** An OP_MSG with one body section (and optionally flags and trailing bytes such as a checksum). */
export function opMsg(body: Document, flags = 0, requestId = 1): Buffer {
  const doc = BSON.serialize(body);
  const out = Buffer.concat([header(0, requestId, 2013), Buffer.alloc(4), Buffer.from([0]), doc]);
  out.writeUInt32LE(flags, 16);
  out.writeInt32LE(out.length, 0);
  return out;
}

/** A legacy OP_QUERY against `db.$cmd`. */
export function opQuery(db: string, query: Document, requestId = 1): Buffer {
  const name = Buffer.from(`${db}.$cmd\0`, 'utf8');
  const skipReturn = Buffer.alloc(8);
  skipReturn.writeInt32LE(-1, 4);
  const out = Buffer.concat([
    header(0, requestId, 2004),
    Buffer.alloc(4),
    name,
    skipReturn,
    BSON.serialize(query),
  ]);
  out.writeInt32LE(out.length, 0);
  return out;
}

/** The body document of an OP_MSG reply, or the first document of an OP_REPLY. */
export function replyDocument(reply: Buffer): Document {
  const opCode = reply.readInt32LE(12);
  const at = opCode === 1 ? 36 : 21;
  return BSON.deserialize(reply.subarray(at, at + reply.readInt32LE(at)));
}
