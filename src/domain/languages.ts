/**
 * The languages Zapgate speaks: its pages, a business's setting, the default notification texts.
 * One list: the store, the pages' catalogues and the ALTEGIO templates take it from here.
 */
export const LANGUAGES = ['en', 'pt-BR', 'es'] as const;

export type Language = (typeof LANGUAGES)[number];
