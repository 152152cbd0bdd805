/**
 * MongoDB wire protocol framing: OP_MSG (with document sequences and the optional CRC-32C checksum) and the
 * legacy OP_QUERY/OP_REPLY pair drivers still use for the first handshake.
 */
import { deserialize, serialize, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

/** Largest message accepted, as advertised in `hello` (maxMessageSizeBytes). */
export const MAX_MESSAGE_SIZE = 48_000_000;
export const MAX_BSON_SIZE = 16 * 1024 * 1024;

const FLAG_CHECKSUM = 1;
const FLAG_MORE_TO_COME = 2;
/** Bits 0-15 are "required": an unknown one set means we must refuse the message. */
const KNOWN_REQUIRED_FLAGS = FLAG_CHECKSUM | FLAG_MORE_TO_COME;

/** A message the client sent, decoded. Values are not promoted, so Int32 and Double stay distinct. */
export type ClientMessage =
  | {
      kind: 'msg';
      requestId: number;
      moreToCome: boolean;
      body: Document;
      sequences: Map<string, Document[]>;
    }
  | { kind: 'query'; requestId: number; collection: string; query: Document };

/** Thrown for input we cannot make sense of; the connection answers with an error or is closed. */
export class ProtocolError extends Error {}

const decodeOptions = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const;

function readDocument(buf: Buffer, offset: number, end: number): { doc: Document; next: number } {
  if (offset + 5 > end) throw new ProtocolError('truncated BSON document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError('invalid BSON document length');
  try {
    const doc = deserialize(buf.subarray(offset, offset + size), decodeOptions);
    return { doc, next: offset + size };
  } catch (err) {
    throw new ProtocolError(`invalid BSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated string');
  return { value: buf.toString('utf8', offset, zero), next: zero + 1 };
}

let crcTable: Uint32Array | undefined;

/** CRC-32C (Castagnoli), the checksum OP_MSG uses. */
function crc32c(buf: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++)
    crc = (crcTable[(crc ^ (buf[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Decodes one complete message (header included). */
export function parseMessage(buf: Buffer): ClientMessage {
  if (buf.length < 16) throw new ProtocolError('message shorter than its header');
  const requestId = buf.readInt32LE(4);
  const opCode = buf.readInt32LE(12);
  if (opCode === OP_MSG) return parseOpMsg(buf, requestId);
  if (opCode === OP_QUERY) return parseOpQuery(buf, requestId);
  throw new ProtocolError(`unsupported opCode ${opCode}`);
}

function parseOpMsg(buf: Buffer, requestId: number): ClientMessage {
  if (buf.length < 21) throw new ProtocolError('OP_MSG too short');
  const flags = buf.readUInt32LE(16);
  if ((flags & 0xffff & ~KNOWN_REQUIRED_FLAGS) !== 0) throw new ProtocolError('unknown required OP_MSG flag');
  let end = buf.length;
  if (flags & FLAG_CHECKSUM) {
    end -= 4;
    if (end < 21) throw new ProtocolError('OP_MSG too short for its checksum');
    if (crc32c(buf.subarray(0, end)) !== buf.readUInt32LE(end))
      throw new ProtocolError('OP_MSG checksum mismatch');
  }
  let offset = 20;
  let body: Document | undefined;
  const sequences = new Map<string, Document[]>();
  while (offset < end) {
    const kind = buf[offset];
    offset += 1;
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG with more than one body section');
      const r = readDocument(buf, offset, end);
      body = r.doc;
      offset = r.next;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError('truncated document sequence');
      const size = buf.readInt32LE(offset);
      const seqEnd = offset + size;
      if (size < 5 || seqEnd > end) throw new ProtocolError('invalid document sequence length');
      const id = readCString(buf, offset + 4, seqEnd);
      const docs: Document[] = [];
      let at = id.next;
      while (at < seqEnd) {
        const r = readDocument(buf, at, seqEnd);
        docs.push(r.doc);
        at = r.next;
      }
      sequences.set(id.value, docs);
      offset = seqEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${String(kind)}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG without a body section');
  return { kind: 'msg', requestId, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0, body, sequences };
}

function parseOpQuery(buf: Buffer, requestId: number): ClientMessage {
  const name = readCString(buf, 20, buf.length);
  const offset = name.next + 8;
  if (offset > buf.length) throw new ProtocolError('truncated OP_QUERY');
  const { doc } = readDocument(buf, offset, buf.length);
  return { kind: 'query', requestId, collection: name.value, query: doc };
}

let nextResponseId = 1;

/** Writes the standard header at the start of `out` (in place: one reply, one buffer). */
function header(out: Buffer, responseTo: number, opCode: number): void {
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(nextResponseId++ & 0x7fffffff, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(opCode, 12);
}

/** An OP_MSG reply carrying one body document. */
export function encodeMsg(responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const out = Buffer.allocUnsafe(16 + 4 + 1 + body.length);
  header(out, responseTo, OP_MSG);
  out.writeUInt32LE(0, 16);
  out[20] = 0;
  out.set(body, 21);
  return out;
}

/** An OP_REPLY answering a legacy OP_QUERY with one document. */
export function encodeReply(responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const out = Buffer.allocUnsafe(16 + 20 + body.length);
  header(out, responseTo, OP_REPLY);
  out.writeInt32LE(8, 16); // AwaitCapable
  out.writeBigInt64LE(0n, 20);
  out.writeInt32LE(0, 28);
  out.writeInt32LE(1, 32);
  out.set(body, 36);
  return out;
}
