import { helpEn } from './catalogue-help-en.js';
import { notifyEn } from '../integrations/altegio/web/catalogue/notify-en.js';

/**
 * English words of every page. This catalogue defines the key set: the other languages are typed
 * against it, so a missing or extra key fails typecheck. `{name}` placeholders are filled by `t`.
 */
export const en = {
  'lang.label': 'Language',
  'common.skip': 'Skip to content',
  'common.close': 'Close',
  'common.copy': 'Copy',
  'common.copied': 'Copied',
  'common.copyFailed': 'Could not copy. Select the link and copy it by hand.',
  'common.networkError': 'Could not reach the server. Check the internet connection and try again.',
  'common.error.required': 'Fill in this field.',
  'common.error.tooShort': 'Too short: write at least {minimum} characters.',
  'common.error.tooLong': 'Too long: write at most {maximum} characters.',
  'common.error.invalid': 'This value was not accepted. Check it and try again.',
  'common.error.phone':
    'Not a phone number we can use. Write it with the country code, e.g. +55 11 91234 5678.',
  'common.error.timeZone': 'Not a time zone name such as America/Sao_Paulo.',
  'common.error.unauthorized': 'Your session has ended. Sign in again.',
  'common.error.forbidden': 'You are not allowed to do this.',
  'common.error.notFound': 'This was not found. It may have been removed: reload the page.',
  'common.error.conflict':
    'This cannot be done right now: the page may be out of date. Reload it and try again.',
  'common.error.rateLimited': 'Too many attempts. Wait a few minutes and try again.',
  'common.error.tooLarge': 'This is too large to send.',
  'common.error.unavailable': 'The service is briefly unavailable. Try again in a moment.',
  'common.error.internal':
    'Something went wrong on our side. Try again; if it keeps happening, contact support.',
  'common.liveLost': 'Live updates paused — reconnecting…',
  'common.noscript': 'This page needs JavaScript to stay up to date.',
  'common.support': 'Support',
  'common.howToScan': 'How to scan',
  'common.signOut': 'Sign out',
  'common.reset': 'Reset',

  'title.settings': 'Settings',
  'title.channels': 'Channels — WhatsApp',
  'title.qrPage': 'Connect WhatsApp',
  'title.help': 'How to scan',
  'title.support': 'Support console',
  'title.gone': 'Link no longer valid',
  'title.login': 'Login needed',
  'title.messages': 'Messages',
  'title.notifications': 'Notifications',

  'supportLogin.heading': 'Support console',
  'supportLogin.intro':
    'Sign in with a support or admin API key. The browser keeps a session, never the key.',
  'supportLogin.key': 'Support API key',
  'supportLogin.submit': 'Sign in',
  'supportLogin.wrongKey': 'That is not a support key. Check it and try again.',

  'nav.label': 'Panel sections',
  'nav.settings': 'Settings',
  'nav.channels': 'Channels',
  'nav.messages': 'Messages',
  'nav.notifications': 'Notifications',

  'panel.settingsIntro': 'Link the WhatsApp number that sends your booking notifications to your clients.',
  'panel.channelsIntro': 'The WhatsApp numbers that send your booking notifications.',
  'panel.noChannels': 'No WhatsApp channel yet. Contact support to add one.',
  'panel.helpLine': 'Trouble linking?',

  'wa.title': 'WhatsApp',
  'wa.number': 'Number',
  'wa.linkedAt': 'Linked',
  'wa.app': 'App',
  'wa.appBusiness': 'WhatsApp Business',
  'wa.appPersonal': 'WhatsApp (not Business)',
  'wa.newChats': 'New chats this month',
  'wa.newChatsUsed': '{used} of {quota}',
  'wa.newChatsUnknown': 'WhatsApp has not said how many',
  'wa.newChatsState.none': 'resets {time}',
  'wa.newChatsState.first_warning':
    '80% used — at the limit, first messages to new clients wait until {time}',
  'wa.newChatsState.second_warning':
    '90% used — at the limit, first messages to new clients wait until {time}',
  'wa.newChatsState.capped':
    'Limit reached — first messages to new clients wait until {time} (send them an SMS); known clients still get theirs',
  'wa.recommendBusiness':
    'We recommend the WhatsApp Business app on the phone for the integration to work correctly.',
  'wa.linkMode': 'Link mode',
  'wa.modeQr': 'Scan a QR code',
  'wa.modeCode': 'Enter a code',
  'wa.qrPageLink': 'QR-code page link',
  'wa.qrPageHint':
    'Send this link to whoever holds the sending phone. It shows only this number’s QR code and stops working after Reset.',
  'wa.noQrPageLink': 'No QR-code page link yet.',
  'wa.openQr': 'Show the QR code',
  'wa.openCode': 'Show the code',
  'wa.linkAnother': 'Link another phone',
  'wa.scanHint':
    'Click it to open the QR code, then scan it with the phone that will send the notifications.',
  'wa.codeHint': 'Click it to see the code to type on the phone that will send the notifications.',
  'wa.codeLive': 'Code to enter now',
  'wa.messageLog': 'Message log',

  'messages.intro':
    'Every notification sent from your WhatsApp number, newest first, with what happened to it.',
  'messages.channel': 'Channel',
  'messages.phone': 'Phone number',
  'messages.phonePlaceholder': 'e.g. +55 11 98765-4321',
  'messages.phoneInvalid':
    'Phone number: that is not a valid number. Write it with the country code, e.g. +55 11 98765-4321.',
  'messages.statusFilter': 'Status',
  'messages.allStatuses': 'All statuses',
  'messages.search': 'Search',
  'messages.clear': 'Clear',
  'messages.queueTitle': 'Sending queue',
  'messages.waiting': 'Waiting to be sent',
  'messages.connection': 'Connection',
  'messages.sending': 'Sending',
  'messages.sendingOn': 'On',
  'messages.sendingPaused': 'Paused',
  'messages.restricted': 'No new contacts until',
  'messages.pause': 'Pause sending',
  'messages.resume': 'Resume sending',
  'messages.pausedManual': 'Sending is paused. New messages wait in the queue until you resume.',
  'messages.pausedRemoved':
    'Sending stopped because this device was removed on the phone. Link the phone again and sending resumes by itself.',
  'messages.waitsForLink': 'Messages wait in the queue and go out once the phone is connected.',
  'messages.restrictedUntil':
    'WhatsApp restricted this number until {time}: messages to clients who never chatted with it fail as “restricted” (send them an SMS); everyone else still gets theirs.',
  'messages.toChannels': 'Go to Channels',
  'messages.logTitle': 'Message log',
  'messages.caption': 'Messages sent from {channel}, newest first',
  'messages.colTime': 'Time',
  'messages.colTo': 'Recipient',
  'messages.colText': 'Text',
  'messages.colStatus': 'Status',
  'messages.colReason': 'Reason',
  'messages.fullText': '(show the full text)',
  'messages.status.queued': 'Queued',
  'messages.status.sending': 'Sending',
  'messages.status.sent': 'Sent',
  'messages.status.delivered': 'Delivered',
  'messages.status.read': 'Read',
  'messages.status.failed': 'Failed',
  'wa.sendTest': 'Send a test message',
  'messages.test.title': 'Send a test message',
  'messages.test.hint':
    'Type your own phone number: a short message goes to it from this WhatsApp number, and shows in the log below.',
  'messages.test.phone': 'Your phone number',
  'messages.test.send': 'Send a test message',
  'messages.test.sent': 'Test message sent. Follow it in the log below.',
  'messages.test.failed': 'Could not send the test message. Try again, or contact support.',
  'messages.test.phoneInvalid':
    'This is not a phone number. Write it as you dial it, e.g. (11) 98765-4321, or with the country code: +55 11 98765-4321.',
  'messages.test.text': 'Test message from {business}: your WhatsApp notifications are working.',
  'messages.status.scheduled': 'Scheduled',
  'messages.wait.scheduled': 'Scheduled · {time}',
  'messages.wait.reminder': 'Reminder · {time}',
  'messages.wait.quiet_hours': 'Scheduled · {time} (quiet hours)',
  'messages.wait.daily_limit': 'Waiting: daily limit reached, resumes {time}',
  'messages.wait.paused': 'Waiting: sending is paused — resume it above',
  'messages.wait.device_removed': 'Waiting: link the phone again and it goes by itself',
  'messages.wait.next': 'Next in line: goes out in a moment',
  'messages.wait.not_linked': 'Waiting: goes once WhatsApp is connected',
  'messages.reason.invalid_number': 'Not a valid number — correct it in the booking',
  'messages.reason.not_on_whatsapp': 'Not on WhatsApp — send an SMS',
  'messages.reason.restricted': 'WhatsApp blocked new chats for now — send an SMS',
  'messages.reason.expired': 'Too late to send — it expired in the queue',
  'messages.reason.cancelled': 'Cancelled before it was sent',
  'messages.reason.channel_removed': 'The channel was deleted — send it another way',
  'messages.reason.rejected': 'Refused by WhatsApp — check the number or contact support',
  'messages.detail.recipient_token_missing':
    'WhatsApp refused a first message to this client (no trusted contact yet) — send an SMS, or wait until they write to you',
  'messages.detail.misaddressed':
    'WhatsApp refused it at this client’s number and at their private ID — check the number or contact support',
  'messages.detail.reach_out_timelock':
    'WhatsApp blocked new chats from this number for now — send an SMS; known clients still get theirs',
  'messages.detail.new_chats_capped':
    'This month’s limit on new chats is reached — send an SMS; known clients still get theirs',
  'messages.errorCode': 'code {code}',
  'messages.empty': 'No messages yet. Notifications from your booking system appear here.',
  'messages.noMatch': 'No messages match this search.',
  'messages.loadMore': 'Load more',
  'messages.newest': 'Back to the newest',

  'scan.qr': 'Scan the QR code',
  'scan.code': 'Enter the code on the phone',
  'status.connected': 'Connection established',
  'status.pairing': 'Linking…',
  'status.reconnecting': 'Reconnecting…',
  'status.removed.qr': 'The device was removed on the phone — scan again',
  'status.removed.code': 'The device was removed on the phone — link again',
  'status.replaced.qr': 'Another connection took over this link — scan again',
  'status.replaced.code': 'Another connection took over this link — link again',

  'state.not_linked': 'Not linked',
  'state.showing_qr': 'Showing QR',
  'state.showing_code': 'Showing code',
  'state.pairing': 'Linking',
  'state.connected': 'Connected',
  'state.reconnecting': 'Reconnecting',
  'state.removed': 'Removed on phone',
  'state.replaced': 'Replaced',
  'state.restricted': 'Restricted',

  'note.pairing': 'The phone is finishing the link. Keep WhatsApp open on it for a few seconds.',
  'note.reconnecting':
    'The connection to WhatsApp dropped and is being restored. Notifications wait and go out once it is back. Keep the phone on and online.',
  'note.removed':
    'This device was removed under Linked devices on the phone, so notifications cannot be sent. Link the phone again.',
  'note.replaced':
    'Another connection opened with this same link, so WhatsApp closed this one. If you did not expect that, click Reset and link the phone again.',
  'note.restricted':
    'WhatsApp has temporarily restricted this number from starting new chats. Until the restriction ends, notifications to clients who never chatted with this number fail with the reason “restricted” (your booking system can send an SMS instead); everyone else still gets theirs.',
  'note.versionRefused':
    'WhatsApp stopped accepting the version of WhatsApp Web this gateway announced. The gateway is updating it and reconnects by itself within a minute or two — no new scan needed. Notifications wait meanwhile.',
  'note.newChatsCapped':
    'This number reached WhatsApp’s monthly limit on new chats. Until the cycle ends, notifications to clients who never chatted with this number fail with the reason “restricted” (your booking system can send an SMS instead); everyone else still gets theirs.',
  'note.passkeyRequired':
    'WhatsApp asks this number for a passkey, which a gateway cannot provide. On the phone, remove the passkey (Settings → Account → Passkeys), then scan again; if WhatsApp still insists, link another number or contact support.',
  'note.loginRefused':
    'WhatsApp refused the link. The account must have been created at least 7 days ago and have active chats. Wait a few minutes and try again.',
  'note.expired': 'Linking paused: no one had the code open.',

  'cause.created': 'Channel created',
  'cause.viewer_opened': 'QR window opened',
  'cause.link_window_ended': 'Link window ended',
  'cause.viewers_left': 'Everyone closed the QR code',
  'cause.qr_refs_ended': 'QR codes ran out',
  'cause.scanned': 'QR scanned',
  'cause.code_entered': 'Code entered',
  'cause.opened': 'Connection opened',
  'cause.restored': 'Session restored',
  'cause.connection_lost': 'Connection lost',
  'cause.version_refused': 'WhatsApp refused this client version — updating',
  'cause.device_removed': 'Device removed on phone',
  'cause.replaced': 'Replaced by another connection',
  'cause.reset': 'Reset',
  'cause.mode_changed': 'Link mode changed',
  'cause.reach_out_timelock': 'Restricted by WhatsApp',
  'cause.passkey_required':
    'WhatsApp asks this number for a passkey, which a gateway cannot provide. On the phone, remove the passkey (Settings → Account → Passkeys), then scan again; if WhatsApp still insists, link another number or contact support.',
  'cause.login_refused': 'Login refused',
  'cause.new_chats_capped': 'WhatsApp’s monthly limit on new chats reached',
  'cause.restriction_ended': 'Restriction ended',
  'cause.deleted': 'Channel deleted',

  'link.preparing': 'Preparing the code…',
  'link.slow': 'Still connecting to WhatsApp…',
  'link.stuckTitle': 'No code from WhatsApp yet',
  'link.passkeyTitle': 'WhatsApp asks this phone for a passkey — the link did not complete',
  'link.stuck.unreachable':
    'This server cannot reach WhatsApp right now (its internet connection or a firewall). Retry in a moment; if it keeps happening, contact support.',
  'link.stuck.no_answer':
    'WhatsApp is not answering this server right now. Retry in a moment; if it keeps happening, contact support.',
  'link.stuck.whatsapp_error':
    'WhatsApp answered with an error on its side. This is usually brief: retry in a moment.',
  'link.stuck.version_refused':
    'WhatsApp refused this version of the gateway; it is updating itself. Retry in a moment.',
  'link.retry': 'Retry',
  'link.qrLabel': 'QR code to scan with WhatsApp',
  'link.qrCountdown': 'New QR code in {seconds} s',
  'link.codeCountdown': 'New code in {seconds} s',
  'link.refreshing': 'Refreshing…',
  'link.liveNote': 'Scan it from this screen, not from a screenshot: the code keeps changing.',
  'link.stepsTitle': 'On the phone that will send the notifications:',
  'link.qrStep1':
    'Open WhatsApp (WhatsApp Business recommended) and tap ⚙ (iPhone) or ⋮ (Android) → Linked devices → Link a device.',
  'link.qrStep2': 'The camera opens: point it at this QR code.',
  'link.qrStep3':
    'After a successful scan, within a few seconds “Connection established” appears and the phone lists a new linked device.',
  'link.codeStep1':
    'Open WhatsApp and tap ⚙ (iPhone) or ⋮ (Android) → Linked devices → Link a device → “Link with phone number instead”.',
  'link.codeStep2': 'Type the code shown here into the field that appears. It changes about once a minute.',
  'link.codeStep3':
    'Once it is entered, “Connection established” appears and the phone lists a new linked device.',
  'link.codeLabel': 'Code to enter on the phone',
  'link.phoneTitle': 'Which phone will send the notifications?',
  'link.phoneHelp':
    'Enter its WhatsApp number with the country code, for example +55 11 98765-4321. The code works only on that phone.',
  'link.phoneLabel': 'WhatsApp number of the sending phone',
  'link.phoneSubmit': 'Show the code',
  'link.expired': 'Linking paused',
  'link.expiredHelp': 'New codes are made only while this window is open. Show a new code to go on.',
  'link.showNew': 'Show a new code',
  'link.connectedHelp': 'The phone now lists a new linked device.',
  'link.resetHint': 'To link another phone instead, click Reset.',
  'link.resetConfirm':
    'Reset the link? The phone linked now, if any, is disconnected and a new code is shown, so you can link another phone.',

  'qr.heading': 'Connect WhatsApp',
  'qr.fullScreen': 'Full screen',
  'qr.exitFullScreen': 'Exit full screen',
  'qr.done': 'Setup is complete; you can close this page.',
  'qr.resetConfirm':
    'Reset? This link stops working and a new one opens. The phone linked now, if any, is disconnected.',
  'qr.onPhone':
    'This looks like a phone. The phone that sends the notifications cannot scan its own screen: open this link on another screen (a computer or tablet), or link with a code instead.',
  'qr.useCode': 'Link with a code instead',
  'qr.useQr': 'Scan a QR code instead',
  'qr.resetTitle': 'Reset this link?',
  'qr.resetYes': 'Yes, reset',
  'qr.resetNo': 'Keep this link',
  'qr.forBusiness': 'For {business}',

  'support.altegio.waiting_link': 'waiting for the WhatsApp link',
  'support.altegio.sending': 'activating…',
  'support.altegio.accepted': 'active',
  'support.altegio.failed': 'activation failed',
  'support.altegio.expired': 'activation window (12 h) missed — the owner must click Connect again',
  'support.altegio.frozen': 'frozen',
  'support.altegio.uninstalled': 'uninstalled',
  'support.heading': 'Support console',
  'support.filter': 'Filter',
  'support.filterPlaceholder': 'Business, channel or number',
  'support.count': 'Channels: {count}',
  'support.colBusiness': 'Business',
  'support.colChannel': 'Channel',
  'support.colStatus': 'Status',
  'support.colNumber': 'Number',
  'support.colLastEvent': 'Last event',
  'support.colMode': 'Link mode',
  'support.colActions': 'Actions',
  'support.codeMode': 'Code-entry mode for {channel}',
  'support.segQr': 'QR',
  'support.segCode': 'Code',
  'support.copyLink': 'Copy QR-page link',
  'support.resetConfirm':
    'Reset the link of “{channel}” ({business})? The linked phone is disconnected and the QR-page link changes.',
  'support.empty': 'No businesses yet.',
  'support.altegioNoUserToken':
    'ALTEGIO: ALTEGIO_USER_TOKEN is not set. Installs and ALTEGIO’s messages work, but records cannot be read or confirmed in ALTEGIO. Set the token of the app’s system user (ALTEGIO developer settings) and restart.',
  'support.noMatch': 'No channel matches the filter.',
  'support.noEvent': 'No events yet',
  'support.newBusiness': 'Create business',
  'support.newBusiness.name': 'Business name',
  'support.newBusiness.timeZone': 'Time zone',
  'support.newBusiness.language': 'Language',
  'support.newBusiness.create': 'Create',
  'support.newBusiness.badTimeZone': 'Time zone: not a time zone name such as America/Sao_Paulo.',
  'support.newBusiness.badName': 'Business name: enter a name (up to 200 characters).',
  'support.created.title': 'Business created: {name}',
  'support.created.apiKey': 'API key',
  'support.created.apiKeyOnce':
    'The API key is shown only now. Copy it and keep it safe; a new one can be issued later, but this one cannot be shown again.',
  'support.created.panelLink': 'Panel login link',
  'support.created.panelLinkHelp':
    'Send it to the business: it opens their panel once (Settings → WhatsApp links their number).',
  'support.created.qrLink': 'QR-page link',
  'support.created.qrLinkHelp':
    'The standalone page with the live QR code, for whoever holds the sending phone.',
  'support.created.apiHelp': 'Send messages with the API key; the interactive API documentation is at',
  'support.created.back': 'Back to the console',

  'gone.title': 'This link is no longer valid',
  'gone.body': 'It was reset or has expired. Ask whoever sent it for a new one, or contact support.',
  'install.title': 'The connection from ALTEGIO could not be verified',
  'install.body':
    'Open Zapgate again from ALTEGIO (Integrations → Notifications → Zapgate → Connect). If this keeps happening, contact support.',
  'title.install': 'Connect from ALTEGIO',
  'install.knownTitle': 'This salon is already connected to Zapgate',
  'install.knownBody':
    'For your security, a click in ALTEGIO opens the panel only for the person who connected the salon. Open the panel from your login link (in your booking system or in the message we sent you), or ask support for a new one.',
  'install.openPanel': 'Open the panel',

  'login.title': 'Open the login link you were sent',
  'login.body':
    'The panel opens from your personal login link, in your booking system or in the message we sent you. If it has expired, ask for a new one.',
  'login.usedTitle': 'This login link was already used',
  'login.usedBody':
    'For your safety, each login link opens the panel once, in one browser. To get in again, open the panel from your booking system (it makes a new link), or ask support for a new link.',
  'login.expiredTitle': 'This login link has expired',
  'login.expiredBody':
    'Login links work for a limited time. Open the panel from your booking system (it makes a new link), or ask support for a new link.',
  'login.askNew': 'Ask support for a new link',

  // The linking help (catalogue-help-*.ts).
  ...helpEn,
  // The ALTEGIO Notifications tab: the slice's own strings.
  ...notifyEn,
} as const satisfies Record<string, string>;

/** A key of the catalogues. */
export type MessageKey = keyof typeof en;

/** One language's words: exactly the English key set. */
export type Catalogue = Readonly<Record<MessageKey, string>>;
