/**
 * Every word the virtual phone page shows, in one place so the page can be translated later. The
 * server renders the page with these and hands the same object to the page's script as JSON.
 * `{name}` placeholders are filled in by the script.
 */
export const phoneStrings = {
  lang: 'en',
  appName: 'WhatsApp',
  appNameBusiness: 'WhatsApp Business',
  businessBadge: 'Business',
  simulatorNote: 'Simulated phone',
  platforms: {
    android: 'WhatsApp on Android',
    iphone: 'WhatsApp on iPhone',
    smba: 'WhatsApp Business on Android',
    smbi: 'WhatsApp Business on iPhone',
  } as Record<string, string>,
  /** The phone's OS by platform, where the app is already named. */
  phoneOs: { android: 'Android', iphone: 'iPhone', smba: 'Android', smbi: 'iPhone' } as Record<
    string,
    string
  >,
  noWhatsApp: 'This number has no WhatsApp account',
  moreOptions: 'More options',
  settings: 'Settings',
  menuLinkedDevices: 'Linked devices',
  menuAllPhones: 'All simulated phones',
  tabChats: 'Chats',
  chatsEmpty: 'No chats yet. Messages this phone receives or sends appear here.',
  newChat: 'New chat',
  newChatNumber: 'Phone number with country code',
  newChatStart: 'Open chat',
  you: 'You',
  today: 'Today',
  yesterday: 'Yesterday',
  messagePlaceholder: 'Message',
  send: 'Send',
  back: 'Back',
  chatEmpty: 'No messages yet. Say hello.',
  linkedDevicesTitle: 'Linked devices',
  linkedDevicesIntro: 'Use WhatsApp on Web, Desktop, and other devices.',
  linkDevice: 'Link a device',
  deviceStatus: 'Device status',
  deviceStatusHint: 'Log out a device to unlink it from this phone.',
  noDevices: 'No linked devices.',
  device: 'Device {device}',
  activeNow: 'Active now',
  offline: 'Not connected',
  linkedAt: 'Linked {day} at {time}',
  logOut: 'Log out',
  deviceLoggedOut: 'Device logged out',
  scanTitle: 'Scan QR code',
  scanHint:
    'Show this phone the QR code on the other device: choose a picture of it, paste one, or share the screen that shows it.',
  chooseImage: 'Choose image',
  captureScreen: 'Share screen',
  stopCapture: 'Stop sharing',
  pasteHint: 'You can also paste an image here (Ctrl+V) or drop one on the frame.',
  capturing: 'Looking for a QR code on the shared screen…',
  reading: 'Reading the QR code…',
  linking: 'Linking device…',
  linkWithPhoneNumber: 'Link with phone number instead',
  linkWithQr: 'Link with QR code instead',
  codeTitle: 'Link with phone number',
  codeHint: 'Enter the 8-character code shown on the other device.',
  codePlaceholder: 'XXXX-XXXX',
  codeSubmit: 'Link device',
  deviceLinked: 'Device linked',
  ok: 'OK',
  errors: {
    noQrFound: {
      title: 'No QR code found in this image',
      remedy: 'Make sure the whole QR code is in the picture, then try again.',
    },
    qr_expired: {
      title: "Can't link new devices right now",
      remedy: 'Scan the QR code from the panel or the QR page, not from a screenshot, and try again.',
    },
    qr_invalid: {
      title: 'Invalid QR code',
      remedy: 'Click Reset on the QR page, wait a few minutes, and scan again.',
    },
    qr_unreadable: {
      title: 'No QR code found in this image',
      remedy: 'Make sure the whole QR code is in the picture, then try again.',
    },
    code_wrong: {
      title: 'Incorrect code',
      remedy: 'Check the code on the other device and try again.',
    },
    codeFormat: {
      title: 'Incorrect code',
      remedy: 'A code has 8 letters and digits, like ABCD-1234.',
    },
    no_pending_code: {
      title: "Couldn't link device",
      remedy:
        'On the other device choose to link with a phone number, enter this number, then type the code it shows.',
    },
    no_whatsapp: {
      title: 'No WhatsApp account',
      remedy: '',
    },
    not_linked: {
      title: 'Message not delivered',
      remedy: 'The other number has no device online to receive it.',
    },
    captureFailed: {
      title: "Couldn't share the screen",
      remedy: 'Allow screen sharing in the browser and try again.',
    },
    imageFailed: {
      title: "Couldn't open this image",
      remedy: 'Choose a PNG, JPEG or other picture file.',
    },
    network: {
      title: "Couldn't reach the simulator",
      remedy: 'Check that the simulator is still running, then try again.',
    },
    generic: {
      title: 'Something went wrong',
      remedy: '',
    },
  } as Record<string, { title: string; remedy: string }>,
  index: {
    title: 'Simulated phones',
    subtitle: 'WhatsApp network simulator',
    intro: 'Each simulated person has a phone: open one to read its chats and link devices to it.',
    none: 'No phones yet: create one below.',
    linkedCount: '{count} linked',
    createTitle: 'New phone',
    number: 'Phone number',
    name: 'Name',
    business: 'WhatsApp Business app',
    os: 'Phone',
    android: 'Android',
    ios: 'iPhone',
    create: 'Create phone',
  },
  notFound: {
    title: 'No such phone',
    body: 'No simulated phone has the number {phone}.',
    back: 'See all simulated phones',
  },
};

export type PhoneStrings = typeof phoneStrings;
