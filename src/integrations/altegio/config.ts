// The ALTEGIO/YCLIENTS settings (ALTEGIO_* variables): the slice owns their shape, checks and the
// AltegioConfig built from them; src/config.ts puts the shape into its one schema (same place, same
// order of errors), so the environment is still validated once at start into the one Config.
import { z } from 'zod';

/** The ALTEGIO_* variables, as a zod object shape (spread into the core's environment schema). */
export const altegioEnvShape = {
  /** ALTEGIO Marketplace: the partner token and our application's id (both or neither). */
  ALTEGIO_PARTNER_TOKEN: z.string().min(8).optional(),
  ALTEGIO_APPLICATION_ID: z
    .string()
    .regex(/^\d{1,18}$/, 'must be ALTEGIO’s numeric application id')
    .optional(),
  /**
   * The same platform under two brands (altegio.md): `altegio` (default) or `yclients`. It picks the
   * defaults of the host, the `Accept` header and the status-callback hosts below.
   */
  ALTEGIO_BRAND: z.enum(['altegio', 'yclients']).default('altegio'),
  /**
   * The API host (the fake ALTEGIO in tests and the sandbox): `https://api.alteg.io` /
   * `https://api.yclients.com` by brand. The REST base defaults to `<it>/api/v1`; the marketplace
   * base to `<it>/api/v1` for ALTEGIO (developer portal), `<it>` for YCLIENTS (integrators' code).
   */
  ALTEGIO_API_URL: z.string().url().optional(),
  /** The API version header of every partner call; by brand when unset (altegio.md, Auth and hosts). */
  ALTEGIO_ACCEPT: z
    .string()
    .regex(
      /^application\/vnd\.[a-z0-9.+-]+$/i,
      'must be a vendor media type such as application/vnd.api.v2+json',
    )
    .optional(),
  /** The REST base for a business's data (records, company): `https://api.alteg.io/api/v1`. */
  ALTEGIO_REST_URL: z.string().url().optional(),
  /**
   * The base of marketplace calls (`<base>/marketplace/…`): the developer portal documents
   * `https://api.alteg.io/api/v1`; integrators' code uses `https://app.alteg.io`.
   */
  ALTEGIO_MARKETPLACE_URL: z.string().url().optional(),
  /**
   * The token of our app's system user (ALTEGIO's developer settings): every call on a business's
   * data sends `Bearer <partner>, User <this>`. Without it the integration installs and delivers,
   * but cannot read or confirm records (said at start and on the support console).
   */
  ALTEGIO_USER_TOKEN: z.string().min(8).optional(),
  /**
   * Hosts status reports may be sent to (comma-separated). Default: the API host, plus `app.alteg.io`
   * and `api.alteg.io` (ALTEGIO) or `yclients.com` and `api.yclients.com` (YCLIENTS).
   */
  ALTEGIO_CALLBACK_HOSTS: z.string().optional(),
  /** Which id a status report carries: ALTEGIO's (default) or ours (the ext_id we answered). */
  ALTEGIO_REPORT_ID: z.enum(['altegio', 'ours']).default('altegio'),
  /** Status reports as a JSON array (default, as ALTEGIO documents), or one bare object per POST. */
  ALTEGIO_REPORT_BODY: z.enum(['list', 'object']).default('list'),
  ALTEGIO_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  /** The link must stay up (down) this long before ALTEGIO is told (debounce; defaults 5 s / 2 min). */
  ALTEGIO_CHANNEL_UP_AFTER_MS: z.coerce.number().int().min(0).default(5_000),
  ALTEGIO_CHANNEL_DOWN_AFTER_MS: z.coerce.number().int().min(0).default(120_000),
  /** The time zone of a business created by an install (ALTEGIO does not send it). */
  ALTEGIO_DEFAULT_TIME_ZONE: z
    .string()
    .default('UTC')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as America/Sao_Paulo'),
};

/** The parsed ALTEGIO_* variables. */
export type AltegioEnv = z.infer<z.ZodObject<typeof altegioEnvShape>>;

/** The checks across ALTEGIO_* variables (run from the core schema's superRefine). */
export function refineAltegioEnv(value: AltegioEnv, ctx: z.RefinementCtx): void {
  if (Boolean(value.ALTEGIO_PARTNER_TOKEN) !== Boolean(value.ALTEGIO_APPLICATION_ID)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['ALTEGIO_APPLICATION_ID'],
      message: 'ALTEGIO_PARTNER_TOKEN and ALTEGIO_APPLICATION_ID go together',
    });
  }
}

export interface AltegioConfig {
  readonly partnerToken: string;
  readonly applicationId: string;
  /** REST base for a business's data, e.g. `https://api.alteg.io/api/v1` (no trailing slash). */
  readonly restUrl: string;
  /** Base of marketplace calls (`<base>/marketplace/…`), no trailing slash. */
  readonly marketplaceUrl: string;
  /** Our system user's token (`User <token>`); undefined: records cannot be read or written. */
  readonly userToken: string | undefined;
  /** `altegio` or `yclients`: the same adapter serves both brands. */
  readonly brand: 'altegio' | 'yclients';
  /** The `Accept` header of every partner call (`application/vnd.api.v2+json` for ALTEGIO). */
  readonly accept: string;
  readonly callbackHosts: readonly string[];
  readonly reportId: 'altegio' | 'ours';
  readonly reportBody: 'object' | 'list';
  readonly currencyIso: string;
  readonly channelUpAfterMs: number;
  readonly channelDownAfterMs: number;
  readonly defaultTimeZone: string;
}

/** Each brand's defaults (altegio.md: hosts, `Accept`, the status-callback URL's host). */
const BRANDS = {
  altegio: {
    apiUrl: 'https://api.alteg.io',
    marketplacePath: '/api/v1',
    accept: 'application/vnd.api.v2+json',
    callbackHosts: ['app.alteg.io', 'api.alteg.io'],
  },
  yclients: {
    apiUrl: 'https://api.yclients.com',
    marketplacePath: '',
    accept: 'application/vnd.yclients.v2+json',
    callbackHosts: ['yclients.com', 'api.yclients.com'],
  },
} as const;

/** The bases, header and callback hosts of the configured brand, each overridable. */
function platformUrls(
  v: AltegioEnv,
): Pick<AltegioConfig, 'brand' | 'accept' | 'restUrl' | 'marketplaceUrl' | 'callbackHosts'> {
  const brand = BRANDS[v.ALTEGIO_BRAND];
  const api = (v.ALTEGIO_API_URL ?? brand.apiUrl).replace(/\/$/, '');
  return {
    brand: v.ALTEGIO_BRAND,
    accept: v.ALTEGIO_ACCEPT ?? brand.accept,
    restUrl: (v.ALTEGIO_REST_URL ?? `${api}/api/v1`).replace(/\/$/, ''),
    marketplaceUrl: (v.ALTEGIO_MARKETPLACE_URL ?? `${api}${brand.marketplacePath}`).replace(/\/$/, ''),
    callbackHosts: Object.freeze(
      v.ALTEGIO_CALLBACK_HOSTS
        ? v.ALTEGIO_CALLBACK_HOSTS.split(',')
            .map((h) => h.trim().toLowerCase())
            .filter(Boolean)
        : [...new Set([new URL(api).hostname.toLowerCase(), ...brand.callbackHosts])],
    ),
  };
}

/** The integration's settings; undefined when no partner token is configured. */
export function altegioConfigFrom(v: AltegioEnv): AltegioConfig | undefined {
  return v.ALTEGIO_PARTNER_TOKEN && v.ALTEGIO_APPLICATION_ID
    ? Object.freeze({
        partnerToken: v.ALTEGIO_PARTNER_TOKEN,
        applicationId: v.ALTEGIO_APPLICATION_ID,
        ...platformUrls(v),
        userToken: v.ALTEGIO_USER_TOKEN,
        reportId: v.ALTEGIO_REPORT_ID,
        reportBody: v.ALTEGIO_REPORT_BODY,
        currencyIso: v.ALTEGIO_CURRENCY,
        channelUpAfterMs: v.ALTEGIO_CHANNEL_UP_AFTER_MS,
        channelDownAfterMs: v.ALTEGIO_CHANNEL_DOWN_AFTER_MS,
        defaultTimeZone: v.ALTEGIO_DEFAULT_TIME_ZONE,
      })
    : undefined;
}
