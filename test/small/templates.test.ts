import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAppError } from '../../src/domain/errors.js';
import {
  canonicalLanguage,
  checkTemplateBody,
  isTemplateName,
  renderTemplate,
  templateVariables,
} from '../../src/domain/templates.js';
import { failure } from '../support/app-error.js';

describe('templates', () => {
  test('{{variable}} placeholders, with or without spaces', () => {
    assert.equal(
      renderTemplate('Olá {{name}}, até {{ date }} às {{time}}.', {
        name: 'Ana',
        date: '12/05',
        time: '14:30',
      }),
      'Olá Ana, até 12/05 às 14:30.',
    );
  });

  test("ALTEGIO's %VARIABLE% style, matched to variables ignoring case", () => {
    assert.equal(
      renderTemplate('Hi %CLIENT_NAME%, see you at %TIME%!', { client_name: 'Bia', TIME: '9:00' }),
      'Hi Bia, see you at 9:00!',
    );
  });

  test('numbers and booleans are written as text; an exact name wins over a case-folded one', () => {
    assert.equal(
      renderTemplate('{{n}} {{ok}} {{Name}}', { n: 3, ok: true, name: 'x', Name: 'y' }),
      '3 true y',
    );
  });

  test('a missing variable is an error naming it; nothing is rendered half-way', () => {
    const error = failure(() =>
      renderTemplate('Hi {{name}} at {{time}} on {{date}}', { name: 'Ana', date: null }),
    );
    assert.ok(isAppError(error, 'invalid_input'));
    assert.equal(error.details?.field, 'variables.time');
    assert.deepEqual(error.details?.missing, ['time', 'date']);
    assert.match(error.publicMessage, /time/);
  });

  test('values are inserted as they are, never expanded again', () => {
    assert.equal(renderTemplate('{{a}} %B%', { a: '{{b}}', b: 'x', B: '%A%' }), '{{b}} %A%');
  });

  test('percent signs in ordinary text stay text', () => {
    assert.equal(
      renderTemplate('50% off, 20% more for {{name}}', { name: 'Ana' }),
      '50% off, 20% more for Ana',
    );
    assert.deepEqual(templateVariables('50% off %x% and %%'), []);
  });

  test('the variables a body uses, once each, in order', () => {
    assert.deepEqual(templateVariables('{{b}} %A% {{ b }} {{c}}'), ['b', 'A', 'c']);
  });

  test('a malformed placeholder is refused when the template is saved', () => {
    assert.doesNotThrow(() => checkTemplateBody('Hi {{name}}, 100% sure'));
    const error = failure(() => checkTemplateBody('Hi {{name}, see you', 'body'));
    assert.equal(error.details?.field, 'body');
    assert.throws(() => checkTemplateBody('Hi {{ first name }}'), /placeholder/);
  });

  test('names and language tags', () => {
    assert.ok(isTemplateName('appointment_reminder'));
    assert.ok(isTemplateName('v2.confirm-1'));
    assert.ok(!isTemplateName('has space'));
    assert.ok(!isTemplateName('_lead'));
    assert.equal(canonicalLanguage('pt-br'), 'pt-BR');
    assert.equal(canonicalLanguage('EN'), 'en');
    assert.equal(canonicalLanguage('es-419'), 'es-419');
    assert.equal(canonicalLanguage('not a tag'), undefined);
    assert.equal(canonicalLanguage('x'), undefined);
  });
});
