/** Why a simulated phone or the simulated network refused an operation. */
export type SimulatorErrorCode =
  | 'qr_expired'
  | 'qr_invalid'
  | 'qr_unreadable'
  | 'code_wrong'
  | 'link_failed'
  | 'passkey_required'
  | 'no_pending_code'
  | 'unknown_phone'
  | 'phone_exists'
  | 'unknown_device'
  | 'no_whatsapp'
  | 'not_linked'
  | 'invalid_request';

/** Human-readable messages, worded as the phone shows them where the seed names them. */
const messages: Record<SimulatorErrorCode, string> = {
  qr_expired: "Can't link new devices right now. The QR code has expired: scan the live code on the screen.",
  qr_invalid: 'Invalid QR code.',
  qr_unreadable: 'No QR code could be read from this image.',
  code_wrong: 'The code you entered is incorrect. Check the code on the other device and try again.',
  link_failed: "Couldn't link device. Try again.",
  passkey_required: 'Continue on your other device: use your passkey there to finish linking.',
  no_pending_code: 'No device is waiting for a pairing code for this number.',
  unknown_phone: 'No simulated phone has this number.',
  phone_exists: 'A simulated phone with this number already exists.',
  unknown_device: 'This phone has no linked device with that id.',
  no_whatsapp: 'This number is not registered on WhatsApp.',
  not_linked: 'The recipient has no linked device to deliver to.',
  invalid_request: 'The request is not valid.',
};

/** The one error type of the simulator; `code` is stable for integrators' scripts. */
export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';
  constructor(
    readonly code: SimulatorErrorCode,
    detail?: string,
  ) {
    super(detail ? `${messages[code]} (${detail})` : messages[code]);
  }
}
