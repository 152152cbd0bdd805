/**
 * Bounded fuzzing of every HTTP endpoint of the running app: a seeded generator sends each endpoint a
 * fixed number of malformed, truncated, oversized, deeply nested and wrongly typed requests (bodies,
 * headers, query strings, framing) over raw sockets, so nothing is tidied up by an HTTP client on the way.
 * Every endpoint must answer each of them with a 4xx (or a 2xx/3xx where the request is harmless), keep
 * serving, and leave the database exactly as it was. A failure names the seed and the case to replay.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EJSON } from 'bson';
import { demoCustomer } from '../../src/db/seed.js';
import { UploadLinks } from '../../src/files/upload-links.js';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { mulberry32 } from '../../src/knowledge/evaluate.js';

/** One endpoint under fuzz. A new webhook is one more row in {@link endpoints}. */
interface Endpoint {
  method: string;
  /** `{conversation}` and `{file}` stand for the ids the suite set up (or, in some cases, garbage). */
  path: string;
  /** What the endpoint reads: nothing, a JSON body, a form body or a multipart upload. */
  body: 'none' | 'json' | 'form' | 'multipart';
  /** Takes a Direct Line Bearer token (the valid one for one case family, invalid ones for the rest). */
  directLine?: boolean;
  /** A WebSocket upgrade rather than a plain request. */
  upgrade?: boolean;
}

const endpoints: Endpoint[] = [
  { method: 'GET', path: '/healthz', body: 'none' },
  { method: 'GET', path: '/', body: 'none' },
  { method: 'GET', path: '/widget.js', body: 'none' },
  { method: 'POST', path: '/api/chat/token', body: 'none' },
  { method: 'POST', path: '/v3/directline/tokens/generate', body: 'json', directLine: true },
  { method: 'POST', path: '/v3/directline/tokens/refresh', body: 'none', directLine: true },
  { method: 'OPTIONS', path: '/v3/directline/conversations', body: 'none' },
  { method: 'POST', path: '/v3/directline/conversations', body: 'json', directLine: true },
  { method: 'GET', path: '/v3/directline/conversations/{conversation}', body: 'none', directLine: true },
  {
    method: 'POST',
    path: '/v3/directline/conversations/{conversation}/activities',
    body: 'json',
    directLine: true,
  },
  {
    method: 'GET',
    path: '/v3/directline/conversations/{conversation}/activities',
    body: 'none',
    directLine: true,
  },
  {
    method: 'POST',
    path: '/v3/directline/conversations/{conversation}/upload',
    body: 'multipart',
    directLine: true,
  },
  { method: 'GET', path: '/v3/directline/conversations/{conversation}/stream', body: 'none', upgrade: true },
  { method: 'POST', path: '/api/messages', body: 'json' },
  { method: 'GET', path: '/files/{file}', body: 'none' },
  { method: 'GET', path: '/files/upload/{upload}', body: 'none' },
  { method: 'POST', path: '/files/upload/{upload}', body: 'multipart' },
  { method: 'POST', path: '/api/slack/events', body: 'form' },
  { method: 'POST', path: '/api/slack/events', body: 'json' },
  { method: 'GET', path: '/sandbox/slack', body: 'none' },
  { method: 'GET', path: '/sandbox/slack/state', body: 'none' },
  { method: 'POST', path: '/sandbox/slack/act', body: 'json' },
  { method: 'POST', path: '/sandbox/slack/api/chat.postMessage', body: 'form' },
  { method: 'GET', path: '/sandbox/slack/files-pri/T0SANDBOX-F0000000000/estimate.pdf', body: 'none' },
  {
    method: 'GET',
    path: '/sandbox/slack/files-pri/T0SANDBOX-F0000000000/download/estimate.pdf',
    body: 'none',
  },
  { method: 'POST', path: '/api/sms/inbound', body: 'form' },
  { method: 'POST', path: '/api/sms/status', body: 'form' },
  { method: 'GET', path: '/sandbox/sms', body: 'none' },
  { method: 'GET', path: '/sandbox/sms/phone.js', body: 'none' },
  { method: 'GET', path: '/sandbox/sms/numbers', body: 'none' },
  { method: 'GET', path: '/sandbox/sms/messages', body: 'none' },
  { method: 'POST', path: '/sandbox/sms/messages', body: 'json' },
  {
    method: 'POST',
    path: `/sandbox/sms/api/2010-04-01/Accounts/AC${'0'.repeat(32)}/Messages.json`,
    body: 'form',
  },
  {
    method: 'GET',
    path: `/sandbox/sms/api/2010-04-01/Accounts/AC${'0'.repeat(32)}/Messages/MM${'0'.repeat(32)}/Media/ME${'0'.repeat(32)}`,
    body: 'none',
  },
  {
    method: 'DELETE',
    path: `/sandbox/sms/api/2010-04-01/Accounts/AC${'0'.repeat(32)}/Messages/MM${'0'.repeat(32)}/Media/ME${'0'.repeat(32)}`,
    body: 'none',
  },
  { method: 'POST', path: '/api/payments/stripe', body: 'json' },
  { method: 'GET', path: '/sandbox/pay', body: 'none' },
  { method: 'GET', path: `/sandbox/pay/cs_test_${'0'.repeat(24)}`, body: 'none' },
  { method: 'POST', path: `/sandbox/pay/cs_test_${'0'.repeat(24)}`, body: 'form' },
  { method: 'GET', path: '/no/such/route', body: 'none' },
  { method: 'POST', path: '/no/such/route', body: 'json' },
];

const SEED = 20_261_201;
/** Set, so the suite can sign an upload link as the app does. */
const fileUrlSecret = 'fuzz-suite-file-url-secret-0123456789';
const CASES_PER_ENDPOINT = 36;
/** How long a complete request may take to be answered; a truncated one may stay unanswered. */
const ANSWER_MS = 5000;
const TRUNCATED_MS = 750;

class Fuzz {
  constructor(readonly random: () => number) {}
  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(256)));
  }
}

/** What the suite set up with a valid token: the only state the cases may touch, and none they may change. */
interface Context {
  host: string;
  port: number;
  conversationId: string;
  token: string;
  /** A valid token of another conversation. */
  otherToken: string;
  /** The stream token from the conversation's stream URL: valid, but not for the REST endpoints. */
  streamToken: string;
  fileId: string;
  /** A valid upload-link token for a demo claim. */
  uploadToken: string;
}

/** One request as bytes on the wire. */
interface Case {
  family: string;
  request: Buffer;
  /** Fewer body bytes were sent than declared, then the socket half-closed: no answer is owed. */
  truncated: boolean;
  upgrade: boolean;
}

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const nested = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);

/** JSON bodies that no endpoint accepts, whoever sends them. */
function invalidJson(f: Fuzz, variant = f.int(6)): { family: string; body: Buffer } {
  const wronglyTyped = [
    '5',
    '"message"',
    'null',
    'true',
    '[{"type":"message","text":"hi"}]',
    '{"type":5}',
    '{"type":["message"]}',
    '{"type":{},"text":"hi"}',
    '{"type":null,"text":"hi"}',
    '{"type":"","text":"hi"}',
    '{"type":"message","text":123}',
    '{"type":"message","from":"me","text":"hi"}',
    '{"type":"message","text":"hi","channelData":[1]}',
    '{"type":"message","text":"hi","from":{"id":7}}',
    '{"user":"someone","locale":123}',
    '{"user":{"id":["x"]},"type":false}',
    '{"__proto__":{"type":5},"constructor":{"prototype":{"x":1}}}',
  ];
  const sample = f.pick(wronglyTyped);
  switch (variant % 6) {
    case 0:
      return { family: 'wrongly typed JSON', body: Buffer.from(sample) };
    case 1: {
      const text = f.pick([sample, '{"type":5,"text":"a long enough text to cut somewhere"}']);
      return { family: 'truncated JSON', body: Buffer.from(text.slice(0, 1 + f.int(text.length - 1))) };
    }
    case 2:
      return {
        family: 'malformed JSON',
        body: f.chance(0.5)
          ? Buffer.from(
              f.pick(["{'type':'message'}", '{"a":1,}', 'NaN', '', '   ', '{"type"', '}{', '\u0000']),
            )
          : f.bytes(1 + f.int(64)),
      };
    case 3: {
      const depth = f.pick([65, 1000, 100_000]);
      const body = f.pick([
        nested(depth),
        `{"type":"message","text":"hi","value":${nested(depth)}}`,
        `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
        '['.repeat(depth),
      ]);
      return { family: 'deeply nested JSON', body: Buffer.from(body) };
    }
    case 4: {
      const size = f.pick([300 * 1024, 1100 * 1024]);
      return { family: 'oversized JSON', body: Buffer.from(`{"type":5,"text":"${'x'.repeat(size)}"}`) };
    }
    default:
      return {
        family: 'invalid UTF-8 in JSON',
        body: Buffer.concat([
          latin1('{"type":'),
          f.pick([latin1('5'), latin1('"\xff\xfe"'), latin1('"\xc0\xaf"')]),
          latin1(',"text":"\xed\xa0\x80\xf8\x88\x80\x80\x80","from":"\xff"}'),
        ]),
      };
  }
}

/** Form bodies: a wrong content type for the JSON endpoints, and what webhooks get from the ill-behaved. */
function invalidForm(f: Fuzz): Buffer {
  return f.pick([
    latin1('%zz=%&&==&%'),
    latin1('a=%ff%fe&b=\xff\xfe'),
    Buffer.from(`${'a[b]'.repeat(500)}=1`),
    Buffer.from(Array.from({ length: 5000 }, (_, i) => `k=${i}`).join('&')),
    Buffer.from(`Body=${'x'.repeat(300 * 1024)}`),
  ]);
}

const boundaryChars = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Multipart bodies an upload must refuse: bad boundaries, truncation, wrong parts, bad activity JSON. */
function invalidMultipart(
  f: Fuzz,
  variant: number,
): { family: string; contentType: string; body: Buffer; truncate?: true } {
  const boundary = `fuzz${Array.from({ length: 16 }, () => f.pick([...boundaryChars])).join('')}`;
  const part = (headers: string, content: Buffer | string): Buffer =>
    Buffer.concat([latin1(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(content), latin1('\r\n')]);
  const file = (content: Buffer | string = 'plain words'): Buffer =>
    part(
      'Content-Disposition: form-data; name="file"; filename="note.txt"\r\nContent-Type: text/plain',
      content,
    );
  const activity = (text: string): Buffer =>
    part(
      'Content-Disposition: form-data; name="activity"; filename="blob"\r\nContent-Type: application/vnd.microsoft.activity',
      text,
    );
  const end = latin1(`--${boundary}--\r\n`);
  const type = `multipart/form-data; boundary=${boundary}`;
  switch (variant % 8) {
    case 0:
      return {
        family: 'multipart boundary mismatch',
        contentType: `multipart/form-data; boundary=${boundary}x`,
        body: Buffer.concat([file(), end]),
      };
    case 1:
      return {
        family: 'multipart without a usable boundary',
        contentType: f.pick([
          'multipart/form-data',
          'multipart/form-data; boundary=',
          `multipart/form-data; boundary=${'b'.repeat(200)}`,
        ]),
        body: Buffer.concat([file(), end]),
      };
    case 2: {
      const whole = Buffer.concat([file(f.bytes(2000)), end]);
      // Cut inside the file's bytes: the form ends where a part is still being read.
      const content = whole.indexOf('\r\n\r\n') + 4;
      return {
        family: 'truncated multipart',
        contentType: type,
        body: whole.subarray(0, content + 1 + f.int(1900)),
      };
    }
    case 3:
      return {
        family: 'multipart cut off mid-stream',
        contentType: type,
        body: Buffer.concat([file(f.bytes(2000)), end]),
        truncate: true,
      };
    case 4:
      return {
        family: 'multipart without a file',
        contentType: type,
        body: Buffer.concat([activity('{"type":"message"}'), end]),
      };
    case 5: {
      const { family, body } = invalidJson(f);
      return {
        family: `multipart with ${family} activity`,
        contentType: type,
        body: Buffer.concat([activity(body.toString('latin1')), file(), end]),
      };
    }
    case 6:
      return {
        family: 'multipart with malformed part headers',
        contentType: type,
        body: Buffer.concat([
          part(f.pick(['Content-Disposition: form-data; name=', 'garbage', 'Content-Type: text/plain']), 'x'),
          end,
        ]),
      };
    default:
      return {
        family: 'multipart with too many files',
        contentType: type,
        body: Buffer.concat([...Array.from({ length: 12 }, () => file()), end]),
      };
  }
}

/** A well-formed request body: sent only with an invalid token, which must be refused before it is read. */
function validBody(endpoint: Endpoint, f: Fuzz): { contentType: string; body: Buffer } {
  if (endpoint.body === 'multipart') {
    const boundary = `valid${f.int(1e9)}`;
    return {
      contentType: `multipart/form-data; boundary=${boundary}`,
      body: latin1(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="note.txt"\r\n` +
          `Content-Type: text/plain\r\n\r\nplain words\r\n--${boundary}--\r\n`,
      ),
    };
  }
  return {
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify({ type: 'message', from: { id: 'fuzz' }, text: 'show my policies' })),
  };
}

function invalidToken(f: Fuzz, context: Context): { family: string; header?: Buffer } {
  const jwtLike = () => [0, 1, 2].map(() => f.bytes(24).toString('base64url')).join('.');
  const flipped = context.token.slice(0, -2) + (context.token.endsWith('AA') ? 'BB' : 'AA');
  const choices: [string, Buffer | undefined][] = [
    ['no Authorization', undefined],
    ['empty Authorization', latin1('')],
    ['Bearer without a token', latin1('Bearer')],
    ['Basic credentials', latin1('Basic ZnV6ejpmdXp6')],
    ['forged token', latin1(`Bearer ${jwtLike()}`)],
    ['tampered token', latin1(`Bearer ${flipped}`)],
    ['token of another conversation', latin1(`Bearer ${context.otherToken}`)],
    ['stream token', latin1(`Bearer ${context.streamToken}`)],
    ['several tokens', latin1(`Bearer ${context.token} ${context.token}`)],
    ['8 KB token', latin1(`Bearer ${'A'.repeat(8 * 1024)}`)],
    ['20 KB token', latin1(`Bearer ${'A'.repeat(20 * 1024)}`)],
    ['invalid UTF-8 token', latin1('Bearer \xff\xfe\xc0\xaf')],
  ];
  const [family, header] = f.pick(choices);
  return { family, header };
}

const badQueries = [
  '?watermark=abc',
  '?watermark=-5',
  '?watermark=99999999999999999999',
  '?watermark=1e3',
  '?watermark[]=1&watermark[]=2',
  '?%zz=%',
  '?a=%ff%fe%c0%af',
  `?${'x=1&'.repeat(3000)}`,
  `?userId=${'u'.repeat(5000)}`,
  '?t=garbage&watermark=',
  '?expires=abc&signature=def',
  '?expires=&signature=',
  '?expires[]=1&signature=x',
  '?__proto__[x]=1&constructor[prototype][y]=2',
];

const badIds = [
  'nope',
  'x'.repeat(2000),
  '%00',
  '..%2F..%2Fhealthz',
  '%E2%82',
  '%ff',
  '65a1b2c3d4e5f60718293a4b',
];

const contentTypes = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/vnd.fuzz+json',
  'multipart/form-data',
  '*/*',
  ';;;',
  'x'.repeat(5000),
];

/**
 * Builds case `n` for `endpoint`; the same seed always gives the same cases. Even cases carry the valid
 * token (on Direct Line), and the body families take turns, so each meets both kinds of authorization.
 */
function buildCase(endpoint: Endpoint, context: Context, f: Fuzz, n: number): Case {
  const families: string[] = [];
  const validToken = endpoint.directLine === true && n % 2 === 0;
  const variant = Math.floor(n / 2);
  let authorization: Buffer | undefined;
  if (endpoint.directLine) {
    if (validToken) {
      authorization = latin1(`Bearer ${context.token}`);
      families.push('valid token');
    } else {
      const bad = invalidToken(f, context);
      authorization = bad.header;
      families.push(bad.family);
    }
  } else if (f.chance(0.3)) {
    const bad = invalidToken(f, context);
    authorization = bad.header;
    families.push(bad.family);
  }

  let path = endpoint.path;
  const conversationOk = endpoint.upgrade || validToken ? f.chance(0.85) : f.chance(0.5);
  path = path.replace('{conversation}', conversationOk ? context.conversationId : f.pick(badIds));
  path = path.replace('{file}', f.chance(0.5) ? context.fileId : f.pick(badIds));
  path = path.replace('{upload}', f.chance(0.5) ? context.uploadToken : f.pick(badIds));
  if (!path.includes(context.conversationId) && endpoint.path.includes('{conversation}'))
    families.push('bad conversation id');
  if (f.chance(0.5)) {
    path += f.pick(badQueries);
    families.push('bad query');
  }

  let method = endpoint.method;
  if (f.chance(0.08)) {
    method = f.pick(['PUT', 'DELETE', 'PATCH', 'HEAD', 'FUZZ']);
    families.push('wrong method');
  }

  const headers: [string, Buffer][] = [];
  let body: Buffer = Buffer.alloc(0);
  let contentType: string | undefined;
  let truncate = false;
  const kind = endpoint.body === 'none' ? f.pick(['none', 'none', 'json']) : endpoint.body;
  if (kind === 'multipart') {
    const multipart =
      validToken || f.chance(0.7)
        ? invalidMultipart(f, variant)
        : { family: 'well-formed upload', ...validBody(endpoint, f) };
    families.push(multipart.family);
    contentType = multipart.contentType;
    body = multipart.body;
    truncate = 'truncate' in multipart && multipart.truncate === true;
  } else if (kind === 'json' || kind === 'form') {
    if (!validToken && endpoint.directLine && f.chance(0.2)) {
      families.push('well-formed body');
      ({ contentType, body } = validBody(endpoint, f));
    } else if (f.chance(kind === 'form' ? 0.7 : 0.15)) {
      families.push('form body');
      contentType = 'application/x-www-form-urlencoded';
      body = invalidForm(f);
    } else {
      const json = invalidJson(f, variant);
      families.push(json.family);
      contentType = 'application/json';
      body = json.body;
    }
    if (f.chance(0.2)) {
      contentType = f.chance(0.2) ? undefined : f.pick(contentTypes);
      families.push('wrong content type');
    }
  }
  if (contentType !== undefined) headers.push(['Content-Type', latin1(contentType)]);
  if (authorization !== undefined) headers.push(['Authorization', authorization]);

  // Framing: the declared length, or something a parser must refuse.
  let declared: string[] = [String(body.length)];
  if (!truncate && f.chance(0.12)) {
    const framing = f.int(5);
    families.push('bad framing');
    if (framing === 0) declared = ['99999999999999999999'];
    else if (framing === 1) declared = ['-1'];
    else if (framing === 2) declared = ['abc'];
    else if (framing === 3) declared = [String(body.length), String(body.length + 1)];
    else {
      declared = [];
      headers.push(['Transfer-Encoding', latin1('chunked')]);
      body = latin1(`zz\r\n${body.toString('latin1').slice(0, 10)}\r\n0\r\n\r\n`);
    }
  } else if (truncate || f.chance(0.05)) {
    truncate = true;
    families.push('absurd Content-Length, then silence');
    declared = [String(f.pick([body.length + 1, 1_000_000_000, 2 ** 53 - 1]))];
  }
  if (body.length > 0 || declared[0] !== '0')
    for (const value of declared) headers.push(['Content-Length', latin1(value)]);
  if (endpoint.upgrade) {
    const version = f.pick(['13', '8', 'x']);
    const keyed = f.chance(0.8);
    headers.push(['Upgrade', latin1('websocket')], ['Sec-WebSocket-Version', latin1(version)]);
    if (keyed) headers.push(['Sec-WebSocket-Key', latin1(f.bytes(16).toString('base64'))]);
    const token = f.pick([context.streamToken, context.token, 'garbage', '']);
    path += `${path.includes('?') ? '&' : '?'}t=${encodeURIComponent(token)}`;
    if (token !== context.streamToken) families.push('bad stream token');
    else families.push(version === '13' && keyed ? 'stream token' : 'stream token, bad upgrade headers');
  }
  if (f.chance(0.05)) {
    headers.push(['X-Fuzz', latin1('\xff\xfe\xc0\xaf')]);
    families.push('invalid UTF-8 header');
  }

  const head = [
    `${method} ${path} HTTP/1.1`,
    `Host: ${context.host}`,
    `Connection: ${endpoint.upgrade ? 'Upgrade' : 'close'}`,
  ].join('\r\n');
  const request = Buffer.concat([
    latin1(head),
    ...headers.map(([name, value]) => Buffer.concat([latin1(`\r\n${name}: `), value])),
    latin1('\r\n\r\n'),
    truncate ? body.subarray(0, Math.max(0, body.length - 1)) : body,
  ]);
  return {
    family: families.join(', ') || 'plain',
    request,
    truncated: truncate,
    upgrade: endpoint.upgrade === true,
  };
}

/** Sends the bytes and resolves with the status the server answered, or undefined when it did not. */
function send(port: number, item: Case): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      resolve(match?.[1] === undefined ? undefined : Number(match[1]));
    };
    const timer = setTimeout(finish, item.truncated ? TRUNCATED_MS : ANSWER_MS);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // An upgrade answer (101 or a refusal) is all there is to read; the socket may stay open.
      if (item.upgrade && received.includes('\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(item.request, () => {
      if (item.truncated) socket.end();
    });
  });
}

/** Document counts and a hash of the contents of every collection but rate-limit counters. */
async function snapshot(app: RunningApp): Promise<Record<string, string>> {
  const db = app.app.database.connection.db;
  assert.ok(db);
  const result: Record<string, string> = {};
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections.sort((a, b) => a.name.localeCompare(b.name))) {
    if (/rate.?limit/i.test(name)) continue;
    const documents = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    const hash = createHash('sha256')
      .update(EJSON.stringify(documents, { relaxed: false }))
      .digest('hex');
    result[name] = `${documents.length} ${hash.slice(0, 16)}`;
  }
  return result;
}

describe('fuzzing every HTTP endpoint', { timeout: 120_000 }, () => {
  let app: RunningApp;
  let context: Context;
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  // A request an endpoint never finishes keeps its connection, and with it the server, open; closing
  // them all at the end keeps one such endpoint (reported by its own test) from hanging the suite.
  const connections = new Set<Socket>();

  before(async () => {
    app = await startDemoApp({ FILE_URL_SECRET: fileUrlSecret });
    app.app.server.server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    const url = new URL(app.url);
    const mint = async () =>
      (await (await fetch(`${app.url}/api/chat/token`, { method: 'POST' })).json()) as { token: string };
    // Both conversations are started here, so a case that starts one with its token changes nothing.
    const start = async () => {
      const { token } = await mint();
      const started = await fetch(`${app.url}/v3/directline/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(started.status, 201);
      const body = (await started.json()) as { conversationId: string; streamUrl: string };
      return { token, ...body };
    };
    const { token, conversationId, streamUrl } = await start();
    const other = await start();
    const file = await app.app.database.connection.db?.collection('attachments.files').findOne({});
    assert.ok(file, 'the demo data holds a document');
    context = {
      host: url.host,
      port: Number(url.port),
      conversationId,
      token,
      otherToken: other.token,
      streamToken: new URL(streamUrl).searchParams.get('t') ?? '',
      fileId: String(file._id),
      uploadToken: new UploadLinks({ secret: fileUrlSecret, baseUrl: () => '' })
        .url(demoCustomer.claim, (await app.app.domain.customers.findByPhone(demoCustomer.phone))!.id)
        .split('/')
        .pop()!,
    };
    assert.ok('policies' in (await snapshot(app)), 'the snapshot sees the demo data');
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });

  after(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    for (const socket of connections) socket.destroy();
    await app.stop();
  });

  for (const endpoint of endpoints) {
    const name = `${endpoint.method} ${endpoint.path}`;
    // Seeded by name, so a new row leaves every other endpoint's cases as they were.
    const seed = (SEED ^ createHash('sha256').update(name).digest().readUInt32BE(0)) >>> 0;
    it(name, async () => {
      const f = new Fuzz(mulberry32(seed));
      const before = await snapshot(app);
      const problems: string[] = [];
      for (let n = 0; n < CASES_PER_ENDPOINT; n += 1) {
        const item = buildCase(endpoint, context, f, n);
        const status = await send(context.port, item);
        const where = `case ${n} (seed ${seed}): ${item.family}`;
        if (status !== undefined && status >= 500) problems.push(`${where}: answered ${status}`);
        if (status === undefined && !item.truncated) problems.push(`${where}: no answer`);
        if (crashes.length > 0) {
          problems.push(`${where}: the process raised ${String(crashes.splice(0)[0])}`);
        }
      }
      const health = await fetch(`${app.url}/healthz`).catch((error: unknown) => error);
      assert.ok(health instanceof Response && health.status === 200, 'the server still answers /healthz');
      assert.deepEqual(problems, []);
      assert.deepEqual(await snapshot(app), before, 'no request changed the database');
    });
  }
});
