import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  altegioUtcOffset,
  appointmentFromRecord,
} from '../../src/integrations/altegio/domain/record-webhook.js';
import {
  timeZoneFromCompany,
  timeZoneFromSalonsList,
} from '../../src/integrations/altegio/domain/salon-info.js';
import {
  appointmentTimeZone,
  DEFAULT_TEMPLATES,
  offsetTimeZone,
  renderForSending,
  templateValues,
} from '../../src/integrations/altegio/domain/templates.js';

/** A record as ALTEGIO sends it: a 12:10 visit in a salon at UTC+5 (Yekaterinburg). */
const record = (datetime: string | undefined, date = '2025-07-13 12:10:00') => ({
  id: 1,
  company_id: 4564,
  date,
  ...(datetime === undefined ? {} : { datetime }),
  seance_length: 3600,
  services: [{ id: 5, title: 'Haircut' }],
  staff: { id: 7, name: 'Maria' },
  client: { name: 'Ana', phone: '+79161234567' },
});

describe('ALTEGIO: the salon’s time zone', () => {
  test('the record’s offset is read from datetime (+05:00, +0500, Z, negative) and kept', () => {
    assert.equal(altegioUtcOffset('2025-07-13T12:10:00+05:00'), 300);
    assert.equal(altegioUtcOffset('2025-07-13 12:10:00+0530'), 330);
    assert.equal(altegioUtcOffset('2025-07-13T12:10:00Z'), 0);
    assert.equal(altegioUtcOffset('2025-07-13T12:10:00-03:00'), -180);
    assert.equal(altegioUtcOffset('2025-07-13 12:10:00'), undefined);
    assert.equal(altegioUtcOffset('2025-07-13T12:10:00+23:00'), undefined);
    assert.equal(altegioUtcOffset(42), undefined);
    const a = appointmentFromRecord(record('2025-07-13T12:10:00+05:00'), { timeZone: 'UTC' });
    assert.equal(a.startsAt.toISOString(), '2025-07-13T07:10:00.000Z');
    assert.equal(a.utcOffsetMinutes, 300);
    // Without datetime, `date` is read in the business's zone and there is no record offset.
    const b = appointmentFromRecord(record(undefined), { timeZone: 'UTC' });
    assert.equal(b.utcOffsetMinutes, undefined);
  });

  test('a booking notice for a 12:10 (+05:00) visit says 12:10: by the record’s offset while the zone is unknown', () => {
    const a = appointmentFromRecord(record('2025-07-13T12:10:00+05:00'), { timeZone: 'UTC' });
    assert.equal(offsetTimeZone(300), '+05:00');
    assert.equal(offsetTimeZone(-210), '-03:30');
    assert.equal(appointmentTimeZone(a, 'UTC', false), '+05:00');
    const render = (timeZone: string) =>
      renderForSending(
        DEFAULT_TEMPLATES.booking_created.en,
        templateValues(a, { language: 'en', timeZone, companyName: 'Studio' }),
      );
    const unknown = render(appointmentTimeZone(a, 'UTC', false));
    assert.match(unknown, /Sunday, July 13 at 12:10 PM/);
    assert.doesNotMatch(unknown, /07:10/);
    // Known: the business's zone (the salon's) decides, and agrees.
    assert.equal(appointmentTimeZone(a, 'Asia/Yekaterinburg', true), 'Asia/Yekaterinburg');
    assert.match(render('Asia/Yekaterinburg'), /July 13 at 12:10 PM/);
    // The default UTC, which the business had before this fix, wrote 07:10.
    assert.match(render('UTC'), /07:10 AM/);
    // A record without an offset: the business's zone.
    assert.equal(appointmentTimeZone({}, 'Europe/Lisbon', false), 'Europe/Lisbon');
  });

  test('timezone_name from the salons list (ids as strings) or the company, tolerant of shapes', () => {
    const list = {
      success: true,
      data: [
        { id: '100', title: 'Other', timezone_name: 'Europe/Moscow' },
        { id: '4564', title: 'Studio', timezone_name: 'Asia/Yekaterinburg', city: 'Ekaterinburg' },
      ],
      meta: [],
    };
    assert.equal(timeZoneFromSalonsList(list, '4564'), 'Asia/Yekaterinburg');
    assert.equal(timeZoneFromSalonsList(list.data, '100'), 'Europe/Moscow');
    assert.equal(timeZoneFromSalonsList([{ id: 4564, timezone_name: 'Asia/Almaty' }], '4564'), 'Asia/Almaty');
    assert.equal(timeZoneFromSalonsList(list, '999'), undefined);
    assert.equal(timeZoneFromSalonsList([{ id: '1', timezone_name: 'Mars/Olympus' }], '1'), undefined);
    assert.equal(timeZoneFromSalonsList({ success: false, data: null }, '1'), undefined);
    assert.equal(
      timeZoneFromCompany({ success: true, data: { id: 1, timezone_name: 'America/Sao_Paulo' } }),
      'America/Sao_Paulo',
    );
    assert.equal(timeZoneFromCompany({ id: 1, timezone_name: ' Europe/Madrid ' }), 'Europe/Madrid');
    assert.equal(timeZoneFromCompany({ data: { id: 1, timezone: 3 } }), undefined);
    assert.equal(timeZoneFromCompany('nope'), undefined);
  });
});
