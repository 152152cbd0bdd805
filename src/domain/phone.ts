import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Numbers read lately, by default country and input. Parsing with the full metadata is costly, and the
 * same few numbers are read several times for every text message (consent, customer, ledger).
 */
const recent = new Map<string, string | undefined>();
const recentMax = 1000;

/**
 * Normalises a phone number as a person would type it ("(555) 555-0123", "+1 555 555 0123") to E.164,
 * or returns undefined when it cannot be a phone number. Numbers without a country code are read in
 * `defaultCountry`.
 */
export function normalizePhone(input: string, defaultCountry: CountryCode = 'US'): string | undefined {
  const key = `${defaultCountry}|${input}`;
  if (recent.has(key)) return recent.get(key);
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  const normalized = parsed?.isPossible() ? parsed.number : undefined;
  // Oldest first out: a Map keeps insertion order.
  if (recent.size >= recentMax) recent.delete(recent.keys().next().value!);
  recent.set(key, normalized);
  return normalized;
}
