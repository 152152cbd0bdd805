import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** Named sequences for human-readable numbers (`claim` → CLM-000124), advanced atomically with `$inc`. */
export const counterSchema = new Schema(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true, default: 0, min: 0 },
  },
  { collection: 'counters', versionKey: false },
);

export type Counter = InferSchemaType<typeof counterSchema>;

export function counterModel(connection: Connection) {
  return connection.model('Counter', counterSchema);
}
export type CounterModel = ReturnType<typeof counterModel>;
