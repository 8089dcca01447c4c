import { NOTIFICATION_KINDS } from '../domain/reminder-plan.js';
import { escapeHtml, templatePreview, type TemplatePreviewView } from '../../../web/assets/views.js';
import { LANGS, LANGUAGE_NAMES, stringsFor, t, type Lang, type MessageKey } from '../../../web/i18n.js';
import { htmlDocument } from '../../../web/layout.js';
import { helpLine, panelHeader, statusLines, texts, type PanelPageInput } from '../../../web/pages.js';

/** ALTEGIO's own reminder times (hours before the visit), offered as checkboxes. */
export const REMINDER_OFFSETS = [1, 2, 3, 4, 5, 6, 9, 12, 15, 18, 21, 24] as const;

/** The settings as the API shows them (GET /v1/altegio → settings). */
export interface NotificationSettingsView {
  readonly schedule: {
    readonly reminderOffsetsHours: readonly number[];
    readonly enabled: Readonly<Record<string, boolean>>;
    readonly reviewDelayMinutes: number;
  };
  readonly replies: {
    readonly confirm: readonly string[];
    readonly cancel: readonly string[];
    readonly cancelAction: string;
  };
  readonly testPhone: string | null;
}

/** The settings form's values: the saved settings, or what was just submitted and refused. */
export interface NotificationSettingsForm {
  readonly offsets: readonly number[];
  readonly enabled: readonly string[];
  readonly confirm: string;
  readonly cancel: string;
  readonly cancelAction: string;
  readonly testPhone: string;
  /** Minutes after the visit ends before the review request (as typed). */
  readonly reviewDelay: string;
}

export function settingsFormOf(settings: NotificationSettingsView): NotificationSettingsForm {
  return {
    offsets: settings.schedule.reminderOffsetsHours,
    enabled: Object.entries(settings.schedule.enabled)
      .filter(([, on]) => on)
      .map(([kind]) => kind),
    confirm: settings.replies.confirm.join(', '),
    cancel: settings.replies.cancel.join(', '),
    cancelAction: settings.replies.cancelAction,
    testPhone: settings.testPhone ?? '',
    reviewDelay: String(settings.schedule.reviewDelayMinutes),
  };
}

/** One editable text in the chosen language, with its preview. */
export interface NotificationTemplateView {
  readonly kind: string;
  readonly body: string;
  readonly custom: boolean;
  readonly preview: TemplatePreviewView;
}

/** A refused save: the field (as the API names it), the server's words and, for a text, its unknown variables. */
export interface NotificationFormError {
  readonly field: string;
  readonly message: string;
  readonly unknown?: readonly string[];
}

export interface NotificationsPageInput extends PanelPageInput {
  /** The saved test phone (E.164 with +): the banner shows while it is set. */
  readonly testPhone: string | null;
  readonly settingsForm: NotificationSettingsForm;
  readonly settingsError?: NotificationFormError | undefined;
  /** The language the texts below are shown and edited in. */
  readonly templateLanguage: Lang;
  readonly templates: readonly NotificationTemplateView[];
  /** A refused text: which kind, and why (its textarea shows what was submitted). */
  readonly templateError?: (NotificationFormError & { readonly kind: string }) | undefined;
  readonly variables: readonly string[];
  /** "Send a test to my phone" of one text (not saved): how it went, and the number used. */
  readonly testSend?:
    | { readonly kind: string; readonly outcome: 'sent' | 'invalid_phone' | 'failed'; readonly phone: string }
    | undefined;
  /** What the last form saved (post/redirect/get), to confirm it beside that form. */
  readonly saved?: { readonly what: 'settings' | 'template' | 'default'; readonly kind?: string } | undefined;
}

// Settings fields by the API's name → the id of the control that shows its error.
const FIELD_IDS: Readonly<Record<string, string>> = {
  'schedule.reminderOffsetsHours': 'f-offsets',
  'replies.confirm': 'f-confirm',
  'replies.cancel': 'f-cancel',
  'replies.cancelAction': 'f-cancel-action',
  testPhone: 'f-test-phone',
  'schedule.reviewDelayMinutes': 'f-review-delay',
};

function settingsErrorText(lang: Lang, e: NotificationFormError): string {
  if (e.field === 'schedule.reminderOffsetsHours') return t(lang, 'notify.error.offsets');
  if (e.field === 'replies.confirm' || e.field === 'replies.cancel') return t(lang, 'notify.error.words');
  if (e.field === 'testPhone') return t(lang, 'notify.error.testPhone');
  if (e.field === 'schedule.reviewDelayMinutes') return t(lang, 'notify.error.reviewDelay');
  return t(lang, 'notify.error.other', { message: e.message });
}

function templateErrorText(lang: Lang, e: NotificationFormError, body: string): string {
  if (e.unknown?.length) return t(lang, 'notify.error.body', { name: e.unknown[0]! });
  if (body.trim() === '') return t(lang, 'notify.error.bodyEmpty');
  return t(lang, 'notify.error.other', { message: e.message });
}

const fieldError = (id: string, text: string): string =>
  `<p class="field-error" id="${id}-error" role="alert" data-testid="${id}-error">${escapeHtml(text)}</p>`;
const invalidAttrs = (id: string, error: string | undefined, hint?: string): string => {
  const describedBy = [hint, error ? `${id}-error` : undefined].filter(Boolean).join(' ');
  return (error ? ' aria-invalid="true"' : '') + (describedBy ? ` aria-describedby="${describedBy}"` : '');
};
const savedNote = (text: string, testId: string): string =>
  `<p class="saved" role="status" data-testid="${testId}">${escapeHtml(text)}</p>`;

function settingsCard(input: NotificationsPageInput): string {
  const { lang, settingsForm: f, settingsError } = input;
  const s = texts(lang);
  const errorId = settingsError ? (FIELD_IDS[settingsError.field] ?? 'f-settings') : undefined;
  const errorText = settingsError ? settingsErrorText(lang, settingsError) : '';
  const errFor = (id: string) => (errorId === id ? errorText : undefined);
  const checked = (yes: boolean) => (yes ? ' checked' : '');
  // ALTEGIO's list, plus any other time the business set through the API.
  const offsets = [...new Set([...REMINDER_OFFSETS, ...f.offsets])].sort((a, b) => a - b);
  const offsetBoxes = offsets
    .map(
      (h) =>
        `<label class="check"><input type="checkbox" name="offset" value="${h}"${checked(f.offsets.includes(h))}>` +
        `<span>${s('notify.hours', { hours: h })}</span></label>`,
    )
    .join('');
  const kindBoxes = NOTIFICATION_KINDS.map(
    (kind) =>
      `<label class="check"><input type="checkbox" name="enabled" value="${kind}"${checked(f.enabled.includes(kind))}>` +
      `<span>${s(`notify.kind.${kind}`)}</span></label>`,
  ).join('');
  const text = (id: string, name: string, label: MessageKey, value: string, extra = '') =>
    `<div class="field"><label for="${id}">${s(label)}</label>` +
    `<input type="text" id="${id}" name="${name}" value="${escapeHtml(value)}" maxlength="400" autocomplete="off"${invalidAttrs(id, errFor(id), 'f-replies-hint')}${extra}>` +
    `${errFor(id) ? fieldError(id, errFor(id)!) : ''}</div>`;
  const action = (value: string) =>
    `<option value="${value}"${f.cancelAction === value ? ' selected' : ''}>${s(`notify.cancelAction.${value}` as MessageKey)}</option>`;
  const saved = input.saved?.what === 'settings' ? savedNote(t(lang, 'notify.saved'), 'settings-saved') : '';
  return `<section class="card notify-card" id="settings" aria-labelledby="settings-title">
<div class="card-head"><h2 class="card-title" id="settings-title">${s('notify.settingsTitle')}</h2></div>
${saved}${settingsError ? `<p class="error" role="alert" data-testid="settings-error">${s('notify.fixErrors')}</p>` : ''}
${errorId === 'f-settings' ? fieldError('f-settings', errorText) : ''}
<form class="notify-form" method="post" action="/panel/notifications/settings" novalidate>
<input type="hidden" name="lang" value="${escapeHtml(lang)}">
<input type="hidden" name="tl" value="${escapeHtml(input.templateLanguage)}">
<fieldset class="checks" id="f-offsets"${invalidAttrs('f-offsets', errFor('f-offsets'), 'f-offsets-hint')}><legend>${s('notify.offsets')}</legend>
<p class="hint" id="f-offsets-hint">${s('notify.offsetsHint')}</p>
<div class="check-grid" data-testid="offsets">${offsetBoxes}</div>
${errFor('f-offsets') ? fieldError('f-offsets', errFor('f-offsets')!) : ''}</fieldset>
<fieldset class="checks"><legend>${s('notify.kinds')}</legend><div class="check-grid check-grid-wide" data-testid="kinds">${kindBoxes}</div>
<div class="field field-number"><label for="f-review-delay">${s('notify.reviewDelay')}</label>
<input type="number" id="f-review-delay" name="reviewDelayMinutes" value="${escapeHtml(f.reviewDelay)}" min="0" max="10080" step="5" inputmode="numeric" data-testid="review-delay"${invalidAttrs('f-review-delay', errFor('f-review-delay'))}>
${errFor('f-review-delay') ? fieldError('f-review-delay', errFor('f-review-delay')!) : ''}</div></fieldset>
<fieldset class="checks"><legend>${s('notify.replies')}</legend>
<p class="hint" id="f-replies-hint">${s('notify.repliesHint')}</p>
<div class="field-grid">${text('f-confirm', 'confirm', 'notify.confirmWords', f.confirm)}${text('f-cancel', 'cancel', 'notify.cancelWords', f.cancel)}
<div class="field"><label for="f-cancel-action">${s('notify.cancelAction')}</label><select id="f-cancel-action" name="cancelAction"${invalidAttrs('f-cancel-action', errFor('f-cancel-action'))}>${action('no_show')}${action('none')}</select>
${errFor('f-cancel-action') ? fieldError('f-cancel-action', errFor('f-cancel-action')!) : ''}</div></div></fieldset>
<fieldset class="checks"><legend>${s('notify.testMode')}</legend>
<div class="field field-phone"><label for="f-test-phone">${s('notify.testPhone')}</label>
<input type="tel" id="f-test-phone" name="testPhone" value="${escapeHtml(f.testPhone)}" maxlength="40" autocomplete="off" inputmode="tel" placeholder="${s('notify.testPhonePlaceholder')}" data-testid="test-phone"${invalidAttrs('f-test-phone', errFor('f-test-phone'), 'f-test-phone-hint')}>
<p class="hint" id="f-test-phone-hint">${s('notify.testPhoneHint')}</p>
${errFor('f-test-phone') ? fieldError('f-test-phone', errFor('f-test-phone')!) : ''}</div></fieldset>
<div class="actions"><button type="submit" class="btn btn-primary" data-testid="save-settings">${s('notify.saveSettings')}</button></div>
</form>
</section>`;
}

/** The kind the editor opens on: the one just saved, refused or test-sent, else the reminder (the one most businesses edit). */
export function selectedKindOf(input: NotificationsPageInput): string {
  const kinds = input.templates.map((tpl) => tpl.kind);
  const wanted =
    input.templateError?.kind ??
    input.testSend?.kind ??
    (input.saved?.what !== 'settings' ? input.saved?.kind : undefined);
  if (wanted && kinds.includes(wanted)) return wanted;
  return kinds.includes('reminder') ? 'reminder' : (kinds[0] ?? '');
}

function templateCard(
  input: NotificationsPageInput,
  tpl: NotificationTemplateView,
  selected: boolean,
): string {
  const { lang, templateLanguage: tl } = input;
  const s = texts(lang);
  const kind = escapeHtml(tpl.kind);
  const id = `tpl-${kind}`;
  const error =
    input.templateError?.kind === tpl.kind
      ? templateErrorText(lang, input.templateError, tpl.body)
      : undefined;
  const saved =
    input.saved && input.saved.what !== 'settings' && input.saved.kind === tpl.kind
      ? savedNote(
          t(lang, input.saved.what === 'default' ? 'notify.savedDefault' : 'notify.saved'),
          'template-saved',
        )
      : '';
  const strings = stringsFor(lang, ['notify.']);
  // Without the script, only the selected card shows (CSS); a list link's #fragment selects another.
  return `<article class="card notify-card tpl-card${selected ? ' is-selected' : ''}" id="tpl-card-${kind}" data-kind="${kind}" data-testid="template-${kind}" aria-labelledby="${id}-title">
<div class="card-head"><h3 class="card-title" id="${id}-title">${s(`notify.kind.${tpl.kind}` as MessageKey)}</h3>
<span class="tag${tpl.custom ? ' tag-custom' : ''}" data-testid="template-state">${s(tpl.custom ? 'notify.custom' : 'notify.default')}</span></div>
<p class="hint">${s(`notify.about.${tpl.kind}` as MessageKey)}</p>
${saved}
<form class="notify-form tpl-form" method="post" action="/panel/notifications/templates/${encodeURIComponent(tpl.kind)}/${encodeURIComponent(tl)}">
<input type="hidden" name="lang" value="${escapeHtml(lang)}">
<div class="tpl-grid"><div class="field"><label for="${id}">${s('notify.text')} <span class="hint">(${escapeHtml(LANGUAGE_NAMES[tl])})</span></label>
<textarea id="${id}" name="body" rows="5" maxlength="4096" lang="${escapeHtml(tl)}" data-role="template" data-kind="${kind}" data-testid="template-body"${invalidAttrs(id, error, 'tpl-vars')}>${escapeHtml(tpl.body)}</textarea>
${error ? fieldError(id, error) : ''}</div>
<div class="tpl-preview-box"><p class="field-label" id="${id}-preview-label">${s('notify.preview')} <span class="hint">· ${s('notify.previewHint')}</span></p>
<div class="wa-chat"><div class="tpl-preview wa-bubble" id="${id}-preview" data-role="preview" aria-live="polite" aria-labelledby="${id}-preview-label" data-testid="template-preview">${templatePreview(tpl.preview, strings)}</div></div></div></div>
<div class="actions"><button type="submit" class="btn btn-primary" name="action" value="save" data-testid="save-template">${s('notify.save')}</button>
${tpl.custom ? `<button type="submit" class="btn btn-quiet" name="action" value="default" data-testid="template-default">${s('notify.backToDefault')}</button>` : ''}
${testRow(input, tpl.kind)}</div>
</form>
</article>`;
}

/**
 * "Send a test to my phone": the text as typed (not saved), written for the sample booking, sent to
 * the owner's number (the test-mode phone when set) through Panel → Messages' test message.
 */
function testRow(input: NotificationsPageInput, kind: string): string {
  const s = texts(input.lang);
  const mine = input.testSend?.kind === kind ? input.testSend : undefined;
  const id = `tpl-${escapeHtml(kind)}-test-to`;
  const invalid = mine?.outcome === 'invalid_phone';
  const result =
    mine?.outcome === 'sent'
      ? `<p class="saved" role="status" data-testid="test-send-sent">${s('notify.testSent')}</p>`
      : mine?.outcome === 'failed'
        ? `<p class="error" role="alert" data-testid="test-send-failed">${s('messages.test.failed')}</p>`
        : invalid
          ? fieldError(id, t(input.lang, 'messages.test.phoneInvalid'))
          : '';
  const phone = mine?.phone ?? input.testPhone ?? '';
  return `<div class="tpl-test"><label for="${id}">${s('notify.testTo')}</label>
<input type="tel" id="${id}" name="testTo" value="${escapeHtml(phone)}" maxlength="40" inputmode="tel" autocomplete="tel" placeholder="${s('notify.testPhonePlaceholder')}" data-testid="test-send-phone"${invalid ? ` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
<button type="submit" class="btn btn-quiet" name="action" value="test" data-testid="test-send">${s('notify.testSend')}</button>
${result}</div>`;
}

/** The kinds as a list (links to their card: they work without the script), each with its on/off and default/custom state. */
function kindList(input: NotificationsPageInput, selected: string): string {
  const s = texts(input.lang);
  const items = input.templates
    .map((tpl) => {
      const kind = escapeHtml(tpl.kind);
      // The answers to a client's reply have no on/off of their own (they follow the reply words).
      const switchable = (NOTIFICATION_KINDS as readonly string[]).includes(tpl.kind);
      const on = input.settingsForm.enabled.includes(tpl.kind);
      const onOff = switchable
        ? `<span class="dot${on ? ' dot-on' : ''}" aria-hidden="true"></span>${s(on ? 'notify.kindOn' : 'notify.kindOff')} · `
        : '';
      return `<li><a class="tpl-kind" href="#tpl-card-${kind}" data-action="select-kind" data-kind="${kind}" data-testid="kind-${kind}"${tpl.kind === selected ? ' aria-current="true"' : ''}>
<span class="tpl-kind-name">${s(`notify.kind.${tpl.kind}` as MessageKey)}</span>
<span class="tpl-kind-state">${onOff}${s(tpl.custom ? 'notify.custom' : 'notify.default')}</span></a></li>`;
    })
    .join('');
  return `<nav class="tpl-list" aria-label="${s('notify.kindsList')}"><ul>${items}</ul></nav>`;
}

/** The one variable menu for whichever text is open: inserts at its cursor (script), else a plain list. */
function variableMenu(input: NotificationsPageInput, selected: string): string {
  const s = texts(input.lang);
  const chips = input.variables
    .map(
      (v) =>
        `<button type="button" class="chip" data-action="insert-variable" data-variable="${escapeHtml(v)}" aria-controls="tpl-${escapeHtml(selected)}">%${escapeHtml(v)}%</button>`,
    )
    .join('');
  const list = input.variables.map((v) => `%${v}%`).join(', ');
  return `<div class="var-menu" data-testid="variable-menu">
<div class="chips" role="group" aria-label="${s('notify.variables')}" data-role="chips" hidden><span class="chips-label">${s('notify.variables')}:</span>${chips}</div>
<p class="hint" id="tpl-vars" data-role="variables-text">${s('notify.variablesList', { list })}</p></div>`;
}

/**
 * The business's panel, Notifications (ALTEGIO businesses): the scheduling settings (reminder
 * times, kinds, reply words, test mode) and the texts per kind in one language, each with variable
 * chips and a live preview. Every save is a plain form POST (post/redirect/get); the page's script
 * inserts variables and keeps the previews live.
 */
export function renderPanelNotifications(input: NotificationsPageInput): string {
  const { lang, templateLanguage: tl } = input;
  const s = texts(lang);
  const selected = selectedKindOf(input);
  const banner = input.testPhone
    ? `<div class="note note-amber test-banner" role="status" data-testid="test-mode-banner"><strong>${s('notify.testBanner', { phone: input.testPhone })}</strong> ${s('notify.testBannerHint')}</div>`
    : '';
  const languageLinks = LANGS.map(
    (l) =>
      `<a class="seg" href="/panel/notifications?lang=${lang}&amp;tl=${l}#texts" lang="${l}" hreflang="${l}"${l === tl ? ' aria-current="true"' : ''} data-testid="template-language-${l}">${escapeHtml(LANGUAGE_NAMES[l])}</a>`,
  ).join('');
  const body = `${panelHeader(input, 'notifications')}
<main id="main" class="container">
<h1 class="page-title">${s('title.notifications')}</h1>
<p class="lead">${s('notify.intro')}</p>
${banner}
${statusLines(s)}
${settingsCard(input)}
<section class="texts" id="texts" aria-labelledby="texts-title">
<div class="section-head"><h2 class="section-title" id="texts-title">${s('notify.textsTitle')}</h2>
<nav class="segmented" aria-label="${s('notify.textLanguage')}">${languageLinks}</nav></div>
<p class="hint">${s('notify.textsIntro')}</p>
<div class="tpl-layout">${kindList(input, selected)}
<div class="tpl-editor">${variableMenu(input, selected)}
${input.templates.map((tpl) => templateCard(input, tpl, tpl.kind === selected)).join('\n')}</div></div>
</section>
${helpLine(input)}
</main>`;
  return htmlDocument({
    lang,
    title: `${t(lang, 'title.notifications')} — ${input.businessName}`,
    bodyClass: 'panel',
    body,
    boot: {
      page: 'notifications',
      lang,
      templateLanguage: tl,
      strings: stringsFor(lang, ['common.', 'notify.']),
    },
    script: 'notifications.js',
  });
}
