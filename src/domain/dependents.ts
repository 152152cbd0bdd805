/**
 * Who may be a dependent on which policy. Health and travel plans cover a spouse, a partner or a child
 * under 26; an auto policy lists its drivers, who must be of driving age; other lines keep no
 * dependents. Pure: the request service applies these before anything is filed.
 */
import type { LineOfBusiness } from '../db/models/index.js';

export const maxChildAge = 26;
export const minDriverAge = 16;

/** Whole years between a date of birth and `now`. */
export function ageOn(dateOfBirth: string, now: Date): number {
  const born = new Date(`${dateOfBirth}T00:00:00Z`);
  let age = now.getUTCFullYear() - born.getUTCFullYear();
  const birthday = Date.UTC(now.getUTCFullYear(), born.getUTCMonth(), born.getUTCDate());
  if (now.getTime() < birthday) age -= 1;
  return age;
}

/** Why this person cannot be added to a policy of this line, in the customer's words; undefined when they can. */
export function dependentProblem(
  line: LineOfBusiness,
  relationship: string,
  dateOfBirth: string,
  now: Date,
): string | undefined {
  const born = new Date(`${dateOfBirth}T00:00:00Z`);
  if (Number.isNaN(born.getTime()) || born > now) return 'The date of birth must be a date in the past.';
  const age = ageOn(dateOfBirth, now);
  if (age > 120) return 'Please check the date of birth.';
  switch (line) {
    case 'health':
    case 'travel':
      if (!['spouse', 'partner', 'child'].includes(relationship)) {
        return `A ${line} policy covers a spouse, a partner or children under ${maxChildAge}.`;
      }
      if (relationship === 'child' && age >= maxChildAge) {
        return `Children can be covered on a ${line} policy until they turn ${maxChildAge}; this child is ${age}.`;
      }
      return undefined;
    case 'auto':
      if (age < minDriverAge) {
        return `An auto policy lists drivers, who must be at least ${minDriverAge}; this person is ${age}.`;
      }
      return undefined;
    default:
      return `A ${line} policy does not list dependents.`;
  }
}
