import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Normalises a phone number as a person would type it ("(555) 555-0123", "+1 555 555 0123") to E.164,
 * or returns undefined when it cannot be a phone number. Numbers without a country code are read in
 * `defaultCountry`.
 */
export function normalizePhone(input: string, defaultCountry: CountryCode = 'US'): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  return parsed?.isPossible() ? parsed.number : undefined;
}
