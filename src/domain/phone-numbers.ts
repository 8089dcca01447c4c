import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { AppError } from './errors.js';

/**
 * Normalises a phone number typed in any common format to E.164 digits without '+'
 * ("+55 (11) 98765-4321" → "5511987654321"). `field` names the input in the error. With
 * `defaultCountry` (the business's, from its time zone) a national number is read as that country's.
 */
export function normalisePhoneNumber(input: string, field: string, defaultCountry?: CountryCode): string {
  const trimmed = input.trim();
  const international = () =>
    parsePhoneNumberFromString(trimmed.startsWith('+') ? trimmed : `+${trimmed}`, defaultCountry);
  // With a default country a number is read as written there ("(11) 98765-4321" in Brazil) unless
  // that reading is not a real number there: then it is taken as international without its '+'
  // ("351912345678" typed in Brazil is Portugal's).
  const national =
    defaultCountry && !trimmed.startsWith('+')
      ? parsePhoneNumberFromString(trimmed, defaultCountry)
      : undefined;
  const parsed = national?.isValid() ? national : (international() ?? national);
  if (!parsed || !parsed.isPossible()) {
    throw new AppError(
      'invalid_phone',
      `${field} is not a valid phone number: write it with the country code, e.g. +55 11 98765-4321.`,
      {
        details: { field },
      },
    );
  }
  return parsed.number.slice(1);
}
