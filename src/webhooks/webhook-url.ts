/** Why a webhook URL is refused, or undefined when it is acceptable: absolute http(s), no credentials. */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://crm.example.com/hooks/zapgate';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  if (url.username || url.password) return 'must not carry credentials; verify our signature instead';
  if (!url.hostname) return 'must name a host';
  return undefined;
}
