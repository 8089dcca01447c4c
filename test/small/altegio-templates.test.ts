import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRecordWebhook } from '../../src/integrations/altegio/domain/record-webhook.js';
import {
  ALTEGIO_VARIABLES,
  DEFAULT_TEMPLATES,
  TEMPLATE_LANGUAGES,
  checkAltegioTemplate,
  defaultTemplate,
  formatAppointmentTime,
  previewTemplate,
  renderAltegioTemplate,
  renderForSending,
  templateLanguage,
  templateValues,
} from '../../src/integrations/altegio/domain/templates.js';
import { altegioRecord, recordWebhookEnvelope } from '../support/fake-altegio.js';
import { failure } from '../support/app-error.js';

const START = new Date('2025-07-13T15:10:00Z'); // 12:10 in São Paulo, a Sunday
const appointment = () => {
  const parsed = parseRecordWebhook(
    recordWebhookEnvelope('create', altegioRecord({ id: 7, startsAt: START, clientName: 'Bia' })),
    { timeZone: 'America/Sao_Paulo' },
  );
  assert.equal(parsed.kind, 'record');
  return parsed.change.appointment!;
};

describe('ALTEGIO-style templates', () => {
  test('values from an appointment, dates in the language and time zone', () => {
    const values = templateValues(appointment(), {
      language: 'pt-BR',
      timeZone: 'America/Sao_Paulo',
      companyName: 'Studio Bia',
    });
    assert.equal(values.CLIENT_NAME, 'Bia');
    assert.equal(values.CLIENT_PHONE, '+5511987654321');
    assert.equal(values.SERVICE_TITLE, 'Haircut');
    assert.equal(values.MASTER_NAME, 'Maria');
    assert.equal(values.POSITION_TITLE, 'Senior stylist');
    assert.equal(values.LINK, 'https://alteg.io/r/7');
    assert.equal(values.COMPANY_NAME, 'Studio Bia');
    assert.equal(values.COMPANY_ADDRESS, undefined);
    assert.match(values.DATETIME!, /domingo.*13.*julho.*12:10/);
    assert.match(values.DATETIME_SHORT!, /13\/07.*12:10/);
    assert.equal(values.TIME, '12:10');
    assert.match(
      formatAppointmentTime(START, 'DATETIME', 'en', 'America/Sao_Paulo'),
      /Sunday.*July 13.*12:10/,
    );
    assert.match(formatAppointmentTime(START, 'DATE', 'es', 'America/Sao_Paulo'), /domingo.*13.*julio/);
    assert.match(formatAppointmentTime(START, 'TIME', 'en', 'Asia/Tokyo'), /12:10 AM/);
  });

  test('rendering: %VAR% replaced once, unknown variables reported and left, missing values empty', () => {
    const { text, issues } = renderAltegioTemplate(
      'Hi %CLIENT_NAME%, %FOO% with %MASTER_NAME% — 50% off 20%!',
      {
        CLIENT_NAME: '%MASTER_NAME%',
      },
    );
    assert.equal(text, 'Hi %MASTER_NAME%, %FOO% with — 50% off 20%!');
    assert.deepEqual(issues, [
      { variable: 'FOO', problem: 'unknown_variable' },
      { variable: 'MASTER_NAME', problem: 'no_value' },
    ]);
  });

  test('checking and sending refuse unknown variables, empty or too-long bodies', () => {
    const unknown = failure(() =>
      checkAltegioTemplate('Hi %CLIENT_NAME% %CLIENT_SURNAME%', 'templates.reminder.en'),
    );
    assert.equal(unknown.code, 'invalid_input');
    assert.equal(unknown.details?.field, 'templates.reminder.en');
    assert.deepEqual(unknown.details?.unknown, ['CLIENT_SURNAME']);
    assert.equal(failure(() => checkAltegioTemplate('  ')).code, 'invalid_input');
    assert.equal(failure(() => checkAltegioTemplate('x'.repeat(5000))).code, 'invalid_input');
    assert.equal(failure(() => renderForSending('%NOPE%', {})).code, 'invalid_input');
    assert.equal(renderForSending('See you at %TIME%', { TIME: '10:00' }), 'See you at 10:00');
  });

  test('every default template is valid and uses only known variables; the reminder asks for + or -', () => {
    for (const [kind, byLanguage] of Object.entries(DEFAULT_TEMPLATES)) {
      for (const language of TEMPLATE_LANGUAGES) {
        const body = byLanguage[language];
        assert.doesNotThrow(() => checkAltegioTemplate(body), `${kind} ${language}`);
        const preview = previewTemplate(body, { language, timeZone: 'America/Sao_Paulo' }, START);
        assert.deepEqual(preview.issues, [], `${kind} ${language}`);
        assert.ok(!preview.text.includes('%'), `${kind} ${language}: ${preview.text}`);
      }
    }
    for (const language of TEMPLATE_LANGUAGES) {
      assert.match(DEFAULT_TEMPLATES.reminder[language], /\+.*-/);
    }
    assert.ok(ALTEGIO_VARIABLES.includes('DATETIME'));
  });

  test('language fallback: pt → pt-BR, es-* → es, anything else → en', () => {
    assert.equal(templateLanguage('pt'), 'pt-BR');
    assert.equal(templateLanguage('pt-PT'), 'pt-BR');
    assert.equal(templateLanguage('es-MX'), 'es');
    assert.equal(templateLanguage('ru'), 'en');
    assert.equal(templateLanguage(undefined), 'en');
    assert.equal(defaultTemplate('reminder', 'pt-br'), DEFAULT_TEMPLATES.reminder['pt-BR']);
  });

  test('preview reports unknown variables for the panel', () => {
    const preview = previewTemplate(
      'Olá %CLIENT_NAME%, %BONUS%',
      { language: 'pt-BR', timeZone: 'UTC' },
      START,
    );
    assert.equal(preview.text, 'Olá Ana, %BONUS%');
    assert.deepEqual(preview.issues, [{ variable: 'BONUS', problem: 'unknown_variable' }]);
  });
});
