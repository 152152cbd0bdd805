/**
 * Backup and restore of a whole database as one JSON document in canonical MongoDB Extended JSON, so
 * every BSON type (ObjectId, Date, Decimal128, Int32 vs Double, Long, Binary) survives the round trip.
 * Both directions stream document by document: memory stays flat however large the data set.
 *
 * Layout (keys in this order; restore relies on `name`, `count` and `indexes` preceding `documents`):
 * {"format":"insuralink-backup","version":1,"createdAt":{...},"collections":[
 *   {"name":"claims","count":2,"indexes":[...],"documents":[
 *     {...},
 *     {...}]}]}
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { BSON, type Db, type Document, type IndexDescription } from 'mongodb';
import Assembler from 'stream-json/Assembler.js';
import Parser from 'stream-json/Parser.js';
import { z } from 'zod';

// The driver's own BSON classes: a second copy of `bson` would build values the driver does not recognise.
const { EJSON } = BSON;

export const backupFormat = 'insuralink-backup';
export const backupVersion = 1;

/** Progress of one collection; `done` of `total` documents so far. */
export interface Progress {
  collection: string;
  done: number;
  total: number;
}
export type ProgressListener = (progress: Progress) => void;

const batchSize = 1000;

/** Writes every collection of `db`, with its indexes, to `out`. Returns the number of documents written. */
export async function backupDatabase(db: Db, out: Writable, onProgress?: ProgressListener): Promise<number> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const collections = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((info) => info.name)
    .filter((name) => !name.startsWith('system.'))
    .sort();

  let written = 0;
  await write(
    `{"format":"${backupFormat}","version":${backupVersion},"createdAt":${EJSON.stringify(new Date(), { relaxed: false })},"collections":[`,
  );
  for (const [position, name] of collections.entries()) {
    const collection = db.collection(name);
    const total = await collection.countDocuments();
    const indexes = (await collection.listIndexes().toArray()).filter((index) => index.name !== '_id_');
    await write(
      `${position === 0 ? '' : ','}\n{"name":${JSON.stringify(name)},"count":${total},"indexes":${EJSON.stringify(indexes, { relaxed: false })},"documents":[`,
    );
    let done = 0;
    // Unpromoted values keep Int32 apart from Double and Long apart from number in the output.
    for await (const document of collection.find({}, { batchSize, promoteValues: false }).sort({ _id: 1 })) {
      await write(`${done === 0 ? '' : ','}\n${EJSON.stringify(document, { relaxed: false })}`);
      done += 1;
      if (done % batchSize === 0) onProgress?.({ collection: name, done, total });
    }
    onProgress?.({ collection: name, done, total });
    written += done;
    await write(']}');
  }
  await write(']}\n');
  return written;
}

/** Thrown when a restore would overwrite data or the file is not a backup. */
export class RestoreError extends Error {
  override name = 'RestoreError';
}

const headerSchema = z.object({ format: z.literal(backupFormat), version: z.literal(backupVersion) });
const collectionHeaderSchema = z.object({
  name: z.string().min(1),
  count: z.number().int().nonnegative(),
  indexes: z.array(z.looseObject({ key: z.record(z.string(), z.unknown()), name: z.string() })),
});

/** What a backup holds for one collection, as announced before its documents. */
type CollectionHeader = z.infer<typeof collectionHeaderSchema>;

/**
 * Reads a backup as a stream: `onCollection` for each collection header, then `onDocument` for each of
 * its documents, in file order. Throws `RestoreError` for anything that is not a complete backup.
 */
async function readBackup(
  input: Readable,
  onCollection: (header: CollectionHeader) => Promise<void>,
  onDocument: (document: Document) => Promise<void>,
): Promise<void> {
  const assembler = new Assembler();
  let headerChecked = false;
  try {
    for await (const token of input.pipe(Parser.parser({ packValues: true, streamValues: false }))) {
      assembler.consume(token as { name: string; value?: string });
      const path = assembler.path;
      // The top-level fields arrive before the first collection: check them once.
      if (!headerChecked && token.name === 'startArray' && path.length === 1 && path[0] === 'collections') {
        if (!headerSchema.safeParse(assembler.stack[0] as unknown).success) {
          throw new RestoreError('This file is not an InsuraLink backup (format/version).');
        }
        headerChecked = true;
      }
      // `"documents":` inside a collection: its header (name, count, indexes) is complete.
      if (token.name === 'startArray' && path.length === 3 && path[2] === 'documents') {
        if (!headerChecked) throw new RestoreError('This file is not an InsuraLink backup (no header).');
        const header = collectionHeaderSchema.safeParse(
          EJSON.deserialize(assembler.stack[4] as unknown as Document),
        );
        if (!header.success)
          throw new RestoreError(`Invalid collection header in the backup: ${header.error.message}`);
        await onCollection(header.data);
      }
      // A document just completed: take it out of the assembled tree so memory stays flat.
      if (token.name === 'endObject' && path.length === 3 && path[2] === 'documents') {
        const documents = assembler.current as Document[];
        await onDocument(EJSON.deserialize(documents.pop() as Document, { relaxed: false }));
      }
    }
  } catch (error) {
    if (error instanceof RestoreError) throw error;
    throw new RestoreError(`The backup file is not valid JSON: ${(error as Error).message}`);
  }
  if (!headerChecked || !assembler.done) throw new RestoreError('The backup file is incomplete.');
}

/**
 * Loads a backup into `db`. The file is read twice: a first pass proves it is a complete backup before
 * anything is touched, so a truncated or foreign file never costs existing data. Refuses when the
 * database already holds documents, unless `force`, which then drops the existing collections.
 * Returns the number of documents restored.
 */
export async function restoreDatabase(
  db: Db,
  openInput: () => Readable,
  options: { force?: boolean; onProgress?: ProgressListener } = {},
): Promise<number> {
  const existing = (await db.listCollections({}, { nameOnly: true }).toArray()).filter(
    (info) => !info.name.startsWith('system.'),
  );
  if (!options.force) {
    for (const { name } of existing) {
      if ((await db.collection(name).estimatedDocumentCount()) > 0) {
        throw new RestoreError(
          `The database already holds data (collection "${name}"); restore with --force to replace it.`,
        );
      }
    }
  }

  let checked: CollectionHeader | undefined;
  let seen = 0;
  const checkCount = () => {
    if (checked && seen !== checked.count) {
      throw new RestoreError(
        `Collection "${checked.name}" announces ${checked.count} documents but holds ${seen}.`,
      );
    }
  };
  await readBackup(
    openInput(),
    async (header) => {
      checkCount();
      checked = header;
      seen = 0;
    },
    async () => {
      seen += 1;
    },
  );
  checkCount();

  for (const { name } of existing) await db.collection(name).drop();
  let current: { header: CollectionHeader; done: number; batch: Document[] } | undefined;
  let restored = 0;
  const flush = async () => {
    if (!current || current.batch.length === 0) return;
    await db.collection(current.header.name).insertMany(current.batch, { ordered: true });
    current.done += current.batch.length;
    restored += current.batch.length;
    current.batch = [];
    options.onProgress?.({
      collection: current.header.name,
      done: current.done,
      total: current.header.count,
    });
  };
  await readBackup(
    openInput(),
    async (header) => {
      await flush();
      await db.createCollection(header.name);
      if (header.indexes.length > 0) {
        const indexes = header.indexes.map(
          ({ v: _version, ns: _namespace, ...index }) => index as unknown as IndexDescription,
        );
        await db.collection(header.name).createIndexes(indexes);
      }
      current = { header, done: 0, batch: [] };
      if (header.count === 0) options.onProgress?.({ collection: header.name, done: 0, total: 0 });
    },
    async (document) => {
      current!.batch.push(document);
      if (current!.batch.length >= batchSize) await flush();
    },
  );
  await flush();
  return restored;
}
