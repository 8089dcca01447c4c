import { AppError } from './errors.js';

/** Values a template's variables take; numbers and booleans are written as text. */
export type TemplateValues = Readonly<Record<string, string | number | boolean | null | undefined>>;

// `{{ name }}` (our own style) or `%NAME%` (the booking systems' style), matched in one pass so a value that itself
// contains "{{x}}" is never expanded again. `%…%` takes upper-case names only, so "50% off 20%"
// stays text.
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}|%([A-Z][A-Z0-9_]*)%/g;
/** A `{{` that does not open a well-formed placeholder: a typo the business should hear about. */
const BROKEN_MUSTACHE = /\{\{(?!\s*[A-Za-z_][A-Za-z0-9_.-]*\s*\}\})/;

/** The distinct variable names a template body uses, in order of first appearance. */
export function templateVariables(body: string): string[] {
  const names: string[] = [];
  for (const match of body.matchAll(PLACEHOLDER)) {
    const name = (match[1] ?? match[2])!;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Throws `invalid_input` on `body` when a `{{` does not open a well-formed `{{name}}`. */
export function checkTemplateBody(body: string, field = 'body'): void {
  const broken = BROKEN_MUSTACHE.exec(body);
  if (broken) {
    throw new AppError(
      'invalid_input',
      `${field}: a placeholder near "${body.slice(broken.index, broken.index + 20)}" is not written as {{name}}.`,
      { details: { field } },
    );
  }
}

/**
 * Renders a template: each `{{name}}` / `%NAME%` becomes its value. Names match exactly first,
 * then ignoring case (`%CLIENT_NAME%` finds `client_name`). A variable without a value
 * (absent, null) is an error naming it — a broken notification is never sent.
 */
export function renderTemplate(body: string, values: TemplateValues): string {
  const folded = new Map<string, string | number | boolean>();
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    if (!folded.has(key.toLowerCase())) folded.set(key.toLowerCase(), value);
  }
  const missing: string[] = [];
  const text = body.replace(
    PLACEHOLDER,
    (whole, mustache: string | undefined, percent: string | undefined) => {
      const name = (mustache ?? percent)!;
      const exact = Object.hasOwn(values, name) ? values[name] : undefined;
      const value = exact ?? folded.get(name.toLowerCase());
      if (value === null || value === undefined) {
        if (!missing.includes(name)) missing.push(name);
        return whole;
      }
      return String(value);
    },
  );
  if (missing.length > 0) {
    const first = missing[0]!;
    throw new AppError(
      'invalid_input',
      `variables.${first}: the template needs a value for "${first}"${missing.length > 1 ? ` (and ${missing.slice(1).join(', ')})` : ''}.`,
      { details: { field: `variables.${first}`, missing } },
    );
  }
  return text;
}

const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Template names: letters, digits, "_", "." and "-", up to 64, e.g. "appointment_reminder". */
export function isTemplateName(name: string): boolean {
  return TEMPLATE_NAME.test(name);
}

/** A BCP 47 language tag in canonical case ("pt-br" → "pt-BR"); undefined when it is not one. */
export function canonicalLanguage(tag: string): string | undefined {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(tag)) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}
