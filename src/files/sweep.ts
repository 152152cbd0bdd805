/**
 * Removes files customers sent in the chat that nothing came to use: a day after the upload, a file no
 * record references is deleted, so the chat cannot be used as free storage. Files saved without a
 * conversation (the seed's policy documents) are never swept.
 */
import { GridFSBucket, MongoRuntimeError, type Db, type ObjectId } from 'mongodb';

/** Where records point at stored files (hex ids): a file named in any of them is kept. */
export const fileReferences: readonly { collection: string; field: string }[] = [
  { collection: 'claims', field: 'attachments.fileId' },
];

/** How long an unreferenced chat upload is kept. */
export const unattachedFileMaxAgeMs = 24 * 60 * 60 * 1000;

/** Options of {@link createUnattachedFileSweep}. */
export interface UnattachedFileSweepOptions {
  db: Db;
  /** Clock (tests). */
  now?: () => Date;
}

/** One pass of the sweep; resolves with the number of files deleted. */
export type UnattachedFileSweep = () => Promise<number>;

const batchSize = 500;

export function createUnattachedFileSweep(options: UnattachedFileSweepOptions): UnattachedFileSweep {
  const bucket = new GridFSBucket(options.db, { bucketName: 'attachments' });
  const now = options.now ?? (() => new Date());

  return async () => {
    const cutoff = new Date(now().getTime() - unattachedFileMaxAgeMs);
    const candidates = await bucket
      .find(
        { 'metadata.conversationId': { $exists: true }, uploadDate: { $lt: cutoff } },
        { projection: { _id: 1 } },
      )
      .toArray();
    let deleted = 0;
    for (let start = 0; start < candidates.length; start += batchSize) {
      const batch = candidates.slice(start, start + batchSize).map((file) => file._id as ObjectId);
      const hex = batch.map((id) => id.toHexString());
      const referenced = new Set<string>();
      for (const { collection, field } of fileReferences) {
        const ids = await options.db.collection(collection).distinct(field, { [field]: { $in: hex } });
        for (const id of ids) referenced.add(String(id));
      }
      for (const id of batch) {
        if (referenced.has(id.toHexString())) continue;
        try {
          await bucket.delete(id);
          deleted++;
        } catch (error) {
          // The file is gone already: another process's sweep got there first.
          if (!(error instanceof MongoRuntimeError)) throw error;
        }
      }
    }
    return deleted;
  };
}
