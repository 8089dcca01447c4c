/** The longest device name sent: the phone's Linked devices list has one line for it. */
export const DEVICE_NAME_MAX = 50;

/**
 * The name the phone lists the linked device under, from the configured template (`DEVICE_NAME`,
 * default "Zapgate · {business}") and the business's name: whitespace folded, cut to one line.
 */
export function deviceName(template: string, businessName: string): string {
  const business = businessName.replace(/\s+/g, ' ').trim();
  const name = template
    .replace(/\{business\}/g, business)
    .replace(/\s+/g, ' ')
    .trim()
    // A template whose business is empty ("Zapgate · ") loses the dangling separator.
    .replace(/[\s·|:,-]+$/u, '');
  return name.length > DEVICE_NAME_MAX ? `${name.slice(0, DEVICE_NAME_MAX - 1).trimEnd()}…` : name;
}
