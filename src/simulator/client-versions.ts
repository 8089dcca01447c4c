import { DEFAULT_CONNECTION_CONFIG, type proto, type WAVersion } from 'baileys';

/**
 * The WhatsApp Web version the service calls current (served as sw.js text) and the oldest it
 * accepts (none by default): a client announcing an older one is refused with 405.
 */
export class ClientVersions {
  private versions: { current: WAVersion; minimum: WAVersion | undefined } = {
    current: [...DEFAULT_CONNECTION_CONFIG.version] as WAVersion,
    minimum: undefined,
  };

  /** How many times clients read the version text (tests see a gateway's lookups without sleeping). */
  fetches = 0;

  get current(): { current: WAVersion; minimum: WAVersion | undefined } {
    return { ...this.versions };
  }

  /**
   * Moves WhatsApp's versions: `current` is what sw.js serves from now on, `minimum` (null: none)
   * the oldest a login may announce. Connected devices stay connected; their next login counts.
   */
  set(next: { current?: WAVersion; minimum?: WAVersion | null }): void {
    this.versions = {
      current: next.current ?? this.versions.current,
      minimum: next.minimum === null ? undefined : (next.minimum ?? this.versions.minimum),
    };
  }

  /** The text WhatsApp Web's service worker (web.whatsapp.com/sw.js) carries, reduced to what clients read. */
  serviceWorkerText(): string {
    this.fetches += 1;
    const revision = this.versions.current[2];
    const data = JSON.stringify({
      dynamic_data: { SiteData: { client_revision: revision, server_revision: revision } },
    });
    return `/* simulated WhatsApp Web service worker */\nself.__swData=JSON.parse(${JSON.stringify(data)});\n`;
  }

  /** The version a login announces when it is older than the minimum (undefined: accepted). */
  refusal(payload: proto.ClientPayload): { version: string; minimum: string } | undefined {
    const announced = announcedVersion(payload);
    const minimum = this.versions.minimum;
    if (!minimum || (announced && compareVersions(announced, minimum) >= 0)) return undefined;
    return { version: announced?.join('.') ?? 'none', minimum: minimum.join('.') };
  }
}

function announcedVersion(payload: proto.ClientPayload): WAVersion | undefined {
  const v = payload.userAgent?.appVersion;
  if (
    !v ||
    typeof v.primary !== 'number' ||
    typeof v.secondary !== 'number' ||
    typeof v.tertiary !== 'number'
  )
    return undefined;
  return [v.primary, v.secondary, v.tertiary];
}

function compareVersions(a: WAVersion, b: WAVersion): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
