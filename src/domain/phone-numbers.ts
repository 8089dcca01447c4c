import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { AppError } from './errors.js';

/**
 * Normalises a phone number typed in any common format to E.164 digits without '+'
 * ("+55 (11) 98765-4321" → "5511987654321"). `field` names the input in the error.
 */
export function normalisePhoneNumber(input: string, field: string, defaultCountry?: CountryCode): string {
  const trimmed = input.trim();
  const parsed = parsePhoneNumberFromString(
    trimmed.startsWith('+') || !defaultCountry
      ? trimmed.startsWith('+')
        ? trimmed
        : `+${trimmed}`
      : trimmed,
    defaultCountry,
  );
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
