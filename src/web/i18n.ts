import { LANGUAGES, type Language } from '../domain/languages.js';
import { en, type Catalogue, type MessageKey } from './catalogue-en.js';
import { es } from './catalogue-es.js';
import { ptBR } from './catalogue-pt-br.js';

export type { Catalogue, MessageKey } from './catalogue-en.js';

/** The languages the pages speak (domain/languages.ts: one list for the whole gateway). */
export type Lang = Language;

export const LANGS: readonly Lang[] = LANGUAGES;

/** Each language's name in itself, for the language switcher. */
export const LANGUAGE_NAMES: Readonly<Record<Lang, string>> = {
  en: 'English',
  'pt-BR': 'Português',
  es: 'Español',
};

/** Every catalogue by language. */
export const CATALOGUES: Readonly<Record<Lang, Catalogue>> = { en, 'pt-BR': ptBR, es };

/** Replaces `{name}` placeholders; unknown names are left as they are. */
export function fillVars(template: string, vars?: Readonly<Record<string, string | number>>): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole,
  );
}

/** One translated string, placeholders filled. */
export function t(lang: Lang, key: MessageKey, vars?: Readonly<Record<string, string | number>>): string {
  return fillVars(CATALOGUES[lang][key], vars);
}

/** The strings whose keys start with one of `prefixes` (e.g. `'link.'`), for a page's script. */
export function stringsFor(lang: Lang, prefixes: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(CATALOGUES[lang])) {
    if (prefixes.some((p) => key.startsWith(p))) out[key] = value;
  }
  return out;
}

/** Maps a language tag (`pt`, `pt-br`, `es-MX`, `en_US`) to a supported language, if any. */
export function matchLanguage(tag: string | null | undefined): Lang | undefined {
  if (!tag) return undefined;
  const primary = tag.trim().toLowerCase().replace('_', '-').split('-')[0];
  if (primary === 'pt') return 'pt-BR';
  if (primary === 'es') return 'es';
  if (primary === 'en') return 'en';
  return undefined;
}

/**
 * The page language: an explicit `?lang=` first, then the business's preferred language, then the
 * browser's Accept-Language (by q-value), else English.
 */
export function pickLanguage(
  queryLang?: string | null,
  preferred?: string | null,
  acceptLanguageHeader?: string | null,
): Lang {
  const explicit = matchLanguage(queryLang) ?? matchLanguage(preferred);
  if (explicit) return explicit;
  if (acceptLanguageHeader) {
    const ranked = acceptLanguageHeader
      .split(',')
      .map((part, index) => {
        const [tag = '', ...params] = part.trim().split(';');
        const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
        const q = qParam === undefined ? 1 : Number(qParam.slice(2));
        return { tag, q: Number.isFinite(q) ? q : 0, index };
      })
      .filter((entry) => entry.q > 0)
      .sort((a, b) => b.q - a.q || a.index - b.index);
    for (const { tag } of ranked) {
      const lang = matchLanguage(tag);
      if (lang) return lang;
    }
  }
  return 'en';
}
