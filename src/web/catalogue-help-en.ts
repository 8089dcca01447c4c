/**
 * English words of the linking help (the steps and the fixes for each linking error). They join the
 * one catalogue (catalogue-en.ts), which defines the key set the other languages are typed against.
 */
export const helpEn = {
  'help.title': 'How to scan: connecting WhatsApp',
  'help.toc': 'On this page',
  'help.needTitle': 'What you need',
  'help.intro': 'The whole process usually takes no more than 5 minutes. You need:',
  'help.needPhone': 'the phone that will send the notifications (it does the scanning);',
  'help.needScreen':
    'a laptop, tablet or phone to open the personal panel or the QR-code page (it shows the QR code).',
  'help.requirement':
    'The WhatsApp account you connect must have been created at least 7 days before connecting, and it must have active chats.',
  'help.panelTitle': 'Connecting from the panel',
  'help.panelStep1':
    'On your computer, tablet or phone open the personal panel (in ALTEGIO: Integrations → Notifications, then this WhatsApp gateway) and go to the Settings tab.',
  'help.panelStep2': 'In the block titled WhatsApp, click the red-background text “Scan the QR code”.',
  'help.panelStep3':
    'A window with the QR code opens. It also has a “Reset” button, for when you need to connect another phone for sending notifications.',
  'help.panelStep4':
    'On the sending phone, with WhatsApp Business installed, open WhatsApp and tap ⚙ (iPhone) or ⋮ (Android) → Linked devices → Link a device.',
  'help.panelStep5': 'The camera opens: point it at the QR code from step 3.',
  'help.panelStep6':
    'After a successful scan, within a few seconds the text “Connection established” appears, and the phone lists a new linked device.',
  'help.pageTitle': 'Connecting from the QR-code page',
  'help.pageLive':
    'Scan directly from the page in a browser. A screenshot will not work: the code is dynamic and keeps refreshing.',
  'help.pageOpen':
    'Open the QR-code page link you were sent with the connection instructions, on a computer, tablet or phone (on a phone, enlarge the QR code to fill the screen with the “Full screen” button).',
  'help.pageButtons':
    'The page shows the QR code with short instructions and the buttons Reset (to link another phone), Support (to get help from technical support) and How to scan (these instructions).',
  'help.pageScan':
    'On the sending phone tap ⚙ (iPhone) or ⋮ (Android) → Linked devices → Link a device, and point the camera at the code.',
  'help.pageDone':
    'After a successful scan, within seconds “Connection established” appears on a green background, and the phone lists a new linked device. Setup is then complete and the QR-code page can be closed.',
  'help.codeTitle': 'Linking with a code instead',
  'help.codeIntro':
    'If scanning is impossible, contact support and they will switch your account to code-entry mode: then no QR code is scanned, a code is typed instead.',
  'help.codeStep1':
    'On the sending phone open WhatsApp and tap ⚙ (iPhone) or ⋮ (Android) → Linked devices → Link a device → “Link with phone number instead”. A field for the code appears.',
  'help.codeStep2':
    'In the panel, section Channels → WhatsApp, or on the QR-code page, the code to type is shown. If asked, first enter the sending phone’s number there.',
  'help.codeStep3':
    'Type the code on the phone; it is dynamic and changes about once a minute. Once it is entered, the status “Connection established” is shown and the phone lists a new linked device.',
  'help.errorsTitle': 'Possible errors',
  'help.errorsIntro':
    'The QR code usually scans without problems, but sometimes WhatsApp shows an error. The most common ones:',
  'help.errCantLinkTitle': '“Can’t link new devices right now”',
  'help.errCantLinkBody':
    'Make sure you scan from the panel or the QR-code page, not from a screenshot, and try again.',
  'help.errInvalidTitle': '“Invalid QR code”',
  'help.errInvalidBody': 'Click Reset, wait a few minutes, and scan again.',
  'help.tipsTitle': 'Extra tips',
  'help.tipBusiness': 'Use the WhatsApp Business app on the phone for the integration to work correctly.',
  'help.tipSameNetwork': 'Make sure both devices use the same internet connection.',
  'help.tipRestart': 'If the phone still cannot be connected, restart both devices.',
  'help.tipCamera': 'If the sending phone’s camera cannot read QR codes, contact support.',
} as const satisfies Record<string, string>;

/** A key of the linking help's strings. */
export type HelpKey = keyof typeof helpEn;
