/**
 * The salon's time zone as ALTEGIO reports it (altegio.md, corrected): `timezone_name` (e.g.
 * `Europe/Moscow`) on each salon of `GET /marketplace/application/{app_id}/salons` and on the
 * company of `GET /api/v1/company/{company_id}`. Tolerant readers: the list or object may sit under
 * `data` or not, ids may be numbers or strings (the salons list sends strings), unknown fields are
 * ignored, and a name that is not an IANA zone this runtime knows counts as absent.
 */
import { isValidTimeZone } from '../../../domain/sending-window.js';

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function zoneOf(salon: Record<string, unknown>): string | undefined {
  const name = salon.timezone_name;
  if (typeof name !== 'string') return undefined;
  const zone = name.trim();
  return zone !== '' && isValidTimeZone(zone) ? zone : undefined;
}

/** `timezone_name` of salon `salonId` in a salons-list answer; undefined when absent or unusable. */
export function timeZoneFromSalonsList(answer: unknown, salonId: string): string | undefined {
  const data = Array.isArray(answer) ? answer : asObject(answer)?.data;
  if (!Array.isArray(data)) return undefined;
  for (const item of data) {
    const salon = asObject(item);
    const id = salon?.id ?? salon?.salon_id;
    if (salon && (typeof id === 'string' || typeof id === 'number') && String(id).trim() === salonId)
      return zoneOf(salon);
  }
  return undefined;
}

/** `timezone_name` of a company-info answer (`{data: {…}}` or the company itself). */
export function timeZoneFromCompany(answer: unknown): string | undefined {
  const outer = asObject(answer);
  const company = asObject(outer?.data) ?? outer;
  return company ? zoneOf(company) : undefined;
}
