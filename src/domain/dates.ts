/** Calendar dates without a time of day (dates of birth) travel as ISO `YYYY-MM-DD` strings. */
import { z } from 'zod';

export const isoDateSchema = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((value) => toIsoDate(new Date(`${value}T00:00:00Z`)) === value, 'is not a calendar date');

export function toIsoDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}
