import { readFileSync } from 'node:fs';

/** A static file of the pages, as served under `/assets/`. */
export interface WebAsset {
  body: string;
  contentType: string;
}

const JS = 'text/javascript; charset=utf-8';

/** Every file the pages load, by name. Anything else under assets/ is not served. */
export const WEB_ASSET_NAMES = [
  'styles.css',
  'views.js',
  'markup.js',
  'channel-views.js',
  'support-views.js',
  'message-views.js',
  'live.js',
  'watch.js',
  'dom.js',
  'panel.js',
  'qr-page.js',
  'support.js',
  'messages.js',
  'notifications.js',
] as const;
export type WebAssetName = (typeof WEB_ASSET_NAMES)[number];

const TYPES: Readonly<Record<WebAssetName, string>> = {
  'styles.css': 'text/css; charset=utf-8',
  'views.js': JS,
  'markup.js': JS,
  'channel-views.js': JS,
  'support-views.js': JS,
  'message-views.js': JS,
  'live.js': JS,
  'watch.js': JS,
  'dom.js': JS,
  'panel.js': JS,
  'qr-page.js': JS,
  'support.js': JS,
  'messages.js': JS,
  'notifications.js': JS,
};

/**
 * Every module a page's script imports (the page script itself aside), as URLs: the pages preload
 * them all at once, so the script runs as soon as the page is parsed instead of after one round
 * trip per level of imports.
 */
export const PRELOADED_MODULES: readonly string[] = [
  ...['views.js', 'markup.js', 'channel-views.js', 'support-views.js', 'message-views.js']
    .concat(['live.js', 'watch.js', 'dom.js'])
    .map((name) => `/assets/${name}`),
  ...['channel-status.js', 'message-status.js'].map((name) => `/shared/${name}`),
];

const cache = new Map<WebAssetName, WebAsset>();

function isAssetName(name: string): name is WebAssetName {
  return (WEB_ASSET_NAMES as readonly string[]).includes(name);
}

/**
 * Drops comments and layout whitespace from our own stylesheet (about a third of its bytes).
 * Spaces before `:` are kept: in a selector `a :hover` differs from `a:hover`.
 */
export function compactCss(css: string): string {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([{};,>]) ?/g, '$1')
    .replace(/: /g, ':')
    .replace(/;}/g, '}')
    .trim();
}

/** The asset called `name` (read from disk once), or undefined for any other name. */
export function webAsset(name: string): WebAsset | undefined {
  if (!isAssetName(name)) return undefined;
  let asset = cache.get(name);
  if (!asset) {
    const text = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
    asset = { body: name.endsWith('.css') ? compactCss(text) : text, contentType: TYPES[name] };
    cache.set(name, asset);
  }
  return asset;
}

/**
 * The modules of src/shared/ (rules the server and the pages share), served under `/shared/` as
 * they are: the pages' scripts import them by the same relative path the server's code does.
 */
export const SHARED_MODULE_NAMES = ['channel-status.js', 'message-status.js'] as const;

const sharedCache = new Map<string, WebAsset>();

/** The shared module called `name` (read from disk once), or undefined for any other name. */
export function sharedModule(name: string): WebAsset | undefined {
  if (!(SHARED_MODULE_NAMES as readonly string[]).includes(name)) return undefined;
  let asset = sharedCache.get(name);
  if (!asset) {
    const body = readFileSync(new URL(`../shared/${name}`, import.meta.url), 'utf8');
    asset = { body, contentType: JS };
    sharedCache.set(name, asset);
  }
  return asset;
}
