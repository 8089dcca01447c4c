import { escapeHtml } from './assets/views.js';
import { t, type Lang, type MessageKey } from './i18n.js';
import { CHAT_MARK, htmlDocument, languageSwitch } from './layout.js';

const SECTIONS: readonly { id: string; title: MessageKey }[] = [
  { id: 'need', title: 'help.needTitle' },
  { id: 'panel', title: 'help.panelTitle' },
  { id: 'qr-page', title: 'help.pageTitle' },
  { id: 'code-mode', title: 'help.codeTitle' },
  { id: 'errors', title: 'help.errorsTitle' },
  { id: 'tips', title: 'help.tipsTitle' },
];

/** "How to scan": the seed's whole help content. Anchors: #need #panel #qr-page #code-mode #errors #tips. */
export function renderHelpPage({ lang }: { lang: Lang }): string {
  const s = (key: MessageKey): string => escapeHtml(t(lang, key));
  const list = (tag: 'ol' | 'ul', keys: readonly MessageKey[]): string =>
    `<${tag}>${keys.map((k) => `<li>${s(k)}</li>`).join('')}</${tag}>`;
  const heading = (id: string, key: MessageKey): string =>
    `<h2 id="${id}-title"><a class="anchor" href="#${id}">${s(key)}</a></h2>`;
  const body = `<header class="topbar"><div class="topbar-inner">
<div class="brand">${CHAT_MARK}<span>${s('title.help')}</span></div>
${languageSwitch(lang)}
</div></header>
<main id="main" class="container prose">
<h1>${s('help.title')}</h1>
<nav class="toc" aria-labelledby="toc-title"><p id="toc-title" class="toc-title">${s('help.toc')}</p><ul>${SECTIONS.map(
    (sec) => `<li><a href="#${sec.id}">${s(sec.title)}</a></li>`,
  ).join('')}</ul></nav>
<section id="need" aria-labelledby="need-title">${heading('need', 'help.needTitle')}
<p>${s('help.intro')}</p>${list('ul', ['help.needPhone', 'help.needScreen'])}
<p class="callout">${s('help.requirement')}</p></section>
<section id="panel" aria-labelledby="panel-title">${heading('panel', 'help.panelTitle')}
${list('ol', ['help.panelStep1', 'help.panelStep2', 'help.panelStep3', 'help.panelStep4', 'help.panelStep5', 'help.panelStep6'])}
<p class="examples" aria-hidden="true"><span class="pill pill-red pill-sm">${s('scan.qr')}</span> → <span class="pill pill-green pill-sm">${s('status.connected')}</span></p></section>
<section id="qr-page" aria-labelledby="qr-page-title">${heading('qr-page', 'help.pageTitle')}
<p class="callout">${s('help.pageLive')}</p>
<p>${s('help.pageOpen')}</p><p>${s('help.pageButtons')}</p><p>${s('help.pageScan')}</p><p>${s('help.pageDone')}</p></section>
<section id="code-mode" aria-labelledby="code-mode-title">${heading('code-mode', 'help.codeTitle')}
<p>${s('help.codeIntro')}</p>${list('ol', ['help.codeStep1', 'help.codeStep2', 'help.codeStep3'])}</section>
<section id="errors" aria-labelledby="errors-title">${heading('errors', 'help.errorsTitle')}
<p>${s('help.errorsIntro')}</p>
<dl class="error-list"><dt>${s('help.errCantLinkTitle')}</dt><dd>${s('help.errCantLinkBody')}</dd>
<dt>${s('help.errInvalidTitle')}</dt><dd>${s('help.errInvalidBody')}</dd></dl></section>
<section id="tips" aria-labelledby="tips-title">${heading('tips', 'help.tipsTitle')}
${list('ul', ['help.tipBusiness', 'help.tipSameNetwork', 'help.tipRestart', 'help.tipCamera'])}</section>
</main>`;
  return htmlDocument({ lang, title: t(lang, 'title.help'), bodyClass: 'help', body });
}
