// The fake ALTEGIO's public shapes (what tests and the sandbox hold).
import type { Clock } from '../../../clock.js';

/** One request the fake received. */
export interface RecordedCall {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text when it is not JSON (undefined when empty). */
  readonly body: unknown;
  readonly rawBody: string;
  /** The status the fake answered with. */
  status: number;
  readonly at: Date;
}

/** An activation ALTEGIO accepted (`POST /marketplace/partner/callback`). */
export interface FakeActivation {
  readonly salonId: string;
  readonly apiKey: string;
  readonly webhookUrls: readonly string[];
  readonly channels?: readonly string[];
  /** How many times it was accepted (activation must be idempotent). */
  readonly count: number;
  readonly at: Date;
}

/** An ALTEGIO record as `GET /record/{company_id}/{record_id}` returns it. */
export type AltegioRecordData = Record<string, unknown> & { id: number; company_id: number };

export interface FakeAltegioOptions {
  readonly partnerToken: string;
  readonly applicationId: string | number;
  /** The system user's token record calls need (`Bearer <partner>, User <this>`); default `<partner>-user`. */
  readonly userToken?: string;
  /** The Bearer the fake puts on record webhooks it sends (default: the partner token). */
  readonly webhookBearer?: string;
  /** After a PUT /record, POST an `update` webhook to the salon's activated webhook URLs. Default false. */
  readonly webhooksOnRecordChange?: boolean;
  readonly port?: number;
  /** Where to listen (127.0.0.1 by default). */
  readonly host?: string;
  /** ALTEGIO's clock (stamps `last_change_date`, install logs, calls and activations); the system clock by default. */
  readonly clock?: Clock;
  /**
   * The API version header partner calls must carry (ALTEGIO's `application/vnd.api.v2+json` by
   * default; YCLIENTS: `application/vnd.yclients.v2+json`). A call with credentials and another
   * `Accept` is refused with 406.
   */
  readonly accept?: string;
}

export interface FakeAltegio {
  readonly url: string;
  readonly partnerToken: string;
  readonly applicationId: string;
  readonly userToken: string;
  /** The REST base (`<url>/api/v1`): records are served only under it. */
  readonly restUrl: string;
  /** `…/smsprovider/status/callback/{partner_token}`: what to put in operator requests. */
  readonly deliveryCallbackUrl: string;
  /** Calls received, oldest first; only those whose path starts with `pathPrefix` when given. */
  calls(pathPrefix?: string): RecordedCall[];
  /** The first call (already received or still to come) that passes `predicate`; rejects after `timeoutMs`. */
  waitForCall(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Answer the next `count` calls under `pathPrefix` with `status` (500 by default) before handling. */
  failNext(pathPrefix: string, count: number, status?: number): void;
  /** Stop failing calls under `pathPrefix` (what `failNext` still had to fail is dropped). */
  stopFailing(pathPrefix: string): void;
  /**
   * A salon's install of the app as ALTEGIO's install-status call reports it (undefined: the salon
   * has not installed it; the call answers 404). `registrationUrl` marks the salon `pending` (the
   * Connect click), an accepted activation `active`.
   */
  setInstallStatus(salonId: string | number, status: FakeInstallStatus | undefined): void;
  installStatus(salonId: string | number): FakeInstallStatus | undefined;
  /** Accepted activations by salon id. */
  readonly activations: ReadonlyMap<string, FakeActivation>;
  /** Last reported availability per salon and channel slug. */
  readonly channels: ReadonlyMap<string, Readonly<Record<string, boolean>>>;
  /** Every status report received, flattened from object and list bodies, oldest first. */
  statusReports(): Record<string, unknown>[];
  /**
   * A salon as the salons list (`GET …/marketplace/application/{app}/salons`) and the company call
   * (`GET /api/v1/company/{id}`) show it; a salon never set is in neither (404 from the company call).
   */
  setSalon(salonId: string | number, salon: FakeSalon | undefined): void;
  /** Store (or replace) a record the API will serve. */
  putRecord(record: AltegioRecordData): void;
  getRecord(companyId: string | number, recordId: string | number): AltegioRecordData | undefined;
  /**
   * The registration URL ALTEGIO would open (the Connect click: every salon named becomes `pending`
   * unless already active), `user_data` signed the documented way with this fake's partner token.
   */
  registrationUrl(
    base: string,
    salonId: string | number | readonly (string | number)[],
    userData?: object,
    signing?: UserDataSigning,
  ): string;
  /** POST a record webhook to `url` with this fake's Bearer. */
  sendRecordWebhook(url: string, envelope: unknown): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** What the fake tells of a salon (ALTEGIO's fields; `timezone_name` is an IANA zone). */
export interface FakeSalon {
  readonly title?: string;
  readonly timezone_name?: string;
  readonly [field: string]: unknown;
}

/** `freezed` is ALTEGIO's spelling. */
export type FakeInstallStatus = 'pending' | 'active' | 'freezed';

/**
 * How `user_data_sign` is computed: `decoded` (documented: HMAC of the decoded JSON bytes, ALTEGIO
 * KB's PHP sample, confirmed on live traffic) or `base64` (HMAC of the base64 string, one
 * integrator's reading).
 */
export type UserDataSigning = 'decoded' | 'base64';

/** A response the fake got when acting as ALTEGIO. */
export interface HttpAnswer {
  readonly status: number;
  /** Parsed JSON, or the text when it is not JSON. */
  readonly body: unknown;
}
