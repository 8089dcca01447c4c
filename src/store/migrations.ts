import type { Database } from './database.js';

/** Schema changes in order; an applied migration is never edited, only followed by a new one. */
export const migrations: ReadonlyArray<{ id: string; sql: string }> = [
  {
    id: '001_gateway',
    sql: `
      create table tenants (
        id text primary key,
        name text not null,
        time_zone text not null,
        language text not null,
        created_at timestamptz not null default now()
      );
      create table operators (
        id text primary key,
        name text not null,
        role text not null check (role in ('support', 'admin')),
        created_at timestamptz not null default now()
      );
      create table api_keys (
        id text primary key,
        tenant_id text references tenants(id) on delete cascade,
        operator_id text references operators(id) on delete cascade,
        key_hash text not null unique,
        label text not null default '',
        created_at timestamptz not null default now(),
        revoked_at timestamptz,
        check ((tenant_id is null) <> (operator_id is null))
      );
      create table panel_login_links (
        token_hash text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        expires_at timestamptz not null,
        used_at timestamptz
      );
      create table panel_sessions (
        token_hash text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        expires_at timestamptz not null
      );
      create table channels (
        id text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        name text not null,
        link_mode text not null default 'qr' check (link_mode in ('qr', 'code')),
        status text not null,
        status_cause text,
        status_changed_at timestamptz not null default now(),
        phone text,
        pairing_phone text,
        platform text,
        business boolean,
        linked_at timestamptz,
        created_at timestamptz not null default now()
      );
      create index channels_by_tenant on channels (tenant_id, created_at);
      create table channel_events (
        id bigserial primary key,
        tenant_id text not null,
        channel_id text not null references channels(id) on delete cascade,
        status text not null,
        cause text,
        at timestamptz not null default now()
      );
      create index channel_events_by_channel on channel_events (channel_id, id);
      create table qr_page_links (
        token_hash text primary key,
        sealed_token bytea not null,
        tenant_id text not null references tenants(id) on delete cascade,
        channel_id text not null references channels(id) on delete cascade,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        revoked_at timestamptz
      );
      create index qr_page_links_by_channel on qr_page_links (channel_id);
      -- Linked-device secrets: sealed with AES-256-GCM; key rows are addressed by an HMAC of
      -- (type, id) so not even contacts' numbers in Signal session ids are stored in clear.
      create table channel_credentials (
        channel_id text primary key references channels(id) on delete cascade,
        sealed bytea not null,
        updated_at timestamptz not null default now()
      );
      create table channel_signal_keys (
        channel_id text not null references channels(id) on delete cascade,
        key_ref text not null,
        sealed bytea not null,
        primary key (channel_id, key_ref)
      );
    `,
  },
  {
    id: '002_messages',
    sql: `
      -- Pacing overrides per business (defaults live in code, domain/pacing.ts).
      alter table tenants add column pacing jsonb not null default '{}'::jsonb;
      -- A paused channel keeps its queue. restricted_until: after a 463, no new contacts until then.
      alter table channels add column paused boolean not null default false;
      alter table channels add column restricted_until timestamptz;
      create table messages (
        id text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        channel_id text not null references channels(id) on delete cascade,
        -- Fixed at accept time: a resend after a crash reuses it, so the recipient sees one message.
        wa_message_id text not null unique,
        to_phone text not null,
        body text not null,
        template_name text,
        template_language text,
        -- 0 transactional, 1 marketing: lower goes first.
        priority smallint not null default 0 check (priority in (0, 1)),
        urgent boolean not null default false,
        status text not null check (status in ('queued', 'sending', 'sent', 'delivered', 'read', 'failed')),
        failure_reason text,
        error_code integer,
        send_after timestamptz not null,
        expires_at timestamptz,
        attempts integer not null default 0,
        idempotency_key text,
        metadata jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        sent_at timestamptz,
        delivered_at timestamptz,
        read_at timestamptz,
        failed_at timestamptz,
        unique (tenant_id, idempotency_key)
      );
      -- The sender's work list: a channel's pending messages in priority, then time order.
      create index messages_due on messages (channel_id, priority, send_after, created_at)
        where status in ('queued', 'sending');
      create index messages_expiring on messages (expires_at) where status = 'queued' and expires_at is not null;
      create index messages_by_tenant on messages (tenant_id, created_at desc, id desc);
      create index messages_by_phone on messages (tenant_id, to_phone, created_at desc);
      -- Pacing facts and inbound threading: what a channel sent, when, to whom.
      create index messages_sent_by_channel on messages (channel_id, sent_at) where sent_at is not null;
      create index messages_sent_by_recipient on messages (channel_id, to_phone, sent_at)
        where sent_at is not null;
      create table message_events (
        id bigserial primary key,
        tenant_id text not null,
        message_id text not null references messages(id) on delete cascade,
        status text not null,
        reason text,
        error_code integer,
        details jsonb,
        at timestamptz not null
      );
      create index message_events_by_message on message_events (message_id, id);
      create table message_templates (
        tenant_id text not null references tenants(id) on delete cascade,
        name text not null,
        language text not null,
        body text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (tenant_id, name, language)
      );
      create table inbound_messages (
        id text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        channel_id text not null references channels(id) on delete cascade,
        wa_message_id text not null,
        from_phone text not null,
        text text not null,
        push_name text,
        received_at timestamptz not null,
        in_reply_to_message_id text references messages(id) on delete set null,
        created_at timestamptz not null default now(),
        unique (channel_id, wa_message_id)
      );
      create index inbound_messages_by_tenant on inbound_messages (tenant_id, received_at desc);
      -- The onWhatsApp cache: is this number on WhatsApp, as seen from this channel, and when.
      create table recipient_checks (
        channel_id text not null references channels(id) on delete cascade,
        tenant_id text not null,
        phone text not null,
        on_whatsapp boolean not null,
        checked_at timestamptz not null,
        primary key (channel_id, phone)
      );
    `,
  },
  {
    id: '003_webhooks',
    sql: `
      -- The business's endpoints. Secrets are sealed with the SecretBox (AES-256-GCM, bound to the row).
      -- event_types null: every event type, including ones added later.
      create table webhook_endpoints (
        id text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        url text not null,
        secret_sealed bytea not null,
        previous_secret_sealed bytea,
        previous_secret_expires_at timestamptz,
        event_types text[],
        enabled boolean not null default true,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index webhook_endpoints_by_tenant on webhook_endpoints (tenant_id, created_at);
      -- The outbox: one row per event and endpoint, written in the transaction of the change.
      -- id is the webhook-id header. retry_from opens the retry window (creation or the last replay).
      -- claim_token: the lease of the worker sending it (next_attempt_at is then the lease's end).
      create table webhook_deliveries (
        id text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        endpoint_id text not null references webhook_endpoints(id) on delete cascade,
        event_type text not null,
        payload jsonb not null,
        occurred_at timestamptz not null,
        status text not null check (status in ('pending', 'delivered', 'dead')),
        attempts integer not null default 0,
        round_attempts integer not null default 0,
        next_attempt_at timestamptz not null,
        retry_from timestamptz not null,
        claim_token text,
        last_status_code integer,
        last_error text,
        created_at timestamptz not null,
        delivered_at timestamptz
      );
      create index webhook_deliveries_due on webhook_deliveries (status, next_attempt_at);
      create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, created_at, id);
      create table webhook_attempts (
        id bigserial primary key,
        delivery_id text not null references webhook_deliveries(id) on delete cascade,
        at timestamptz not null,
        status_code integer,
        duration_ms integer not null,
        error text
      );
      create index webhook_attempts_by_delivery on webhook_attempts (delivery_id, id);
    `,
  },
  {
    id: '004_channel_queue_flags',
    sql: `
      -- Why a channel's queue is paused: 'manual' (the business pressed Pause) or 'removed' (the
      -- device was removed on the phone; a new link resumes it).
      alter table channels add column paused_cause text check (paused_cause in ('manual', 'removed'));
      alter table channels add column paused_at timestamptz;
      -- A deleted channel keeps its rows (message history) but is gone from every list and lookup.
      alter table channels add column deleted_at timestamptz;
      -- "Has this client ever written to us?" (a 463 restriction only stops chats with new contacts).
      create index inbound_messages_by_sender on inbound_messages (channel_id, from_phone);
    `,
  },
  {
    id: '005_altegio',
    sql: `
      -- One row per ALTEGIO salon that installed the app; several salons (branches) may share a business.
      create table altegio_installs (
        salon_id text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        application_id text not null,
        state text not null check (state in ('pending', 'active', 'frozen', 'uninstalled')),
        -- The key we issued for ALTEGIO (sealed: the activation call sends it in clear).
        api_key_id text references api_keys(id) on delete set null,
        api_key_sealed bytea,
        -- The secret in the record-webhook URL we give ALTEGIO (its hash; the URL is rebuilt from the sealed copy).
        webhook_token_hash text not null unique,
        webhook_token_sealed bytea not null,
        user_data jsonb,
        -- The Connect click: activation must happen within 12 hours of it.
        installed_at timestamptz not null,
        activation_state text not null check (activation_state in ('waiting_link', 'sending', 'accepted', 'failed', 'expired')),
        activation_attempts integer not null default 0,
        activation_error text,
        activated_at timestamptz,
        -- The link as ALTEGIO was last told (null: never), and the link now with when it became so.
        channel_reported boolean,
        link_up boolean not null default false,
        link_changed_at timestamptz not null,
        delivery_callback_url text,
        updated_at timestamptz not null
      );
      create index altegio_installs_by_tenant on altegio_installs (tenant_id);
      -- The last status code ALTEGIO was sent for each of its messages (reports only move forward).
      create table altegio_reports (
        message_id text primary key references messages(id) on delete cascade,
        last_code smallint not null
      );
      -- Calls to ALTEGIO (activation, channel availability, status reports, attendance), written in the
      -- transaction of the change that causes them; sent in order per ordering_key, retried with backoff.
      create table altegio_calls (
        id bigserial primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        kind text not null check (kind in ('activation', 'update_channel', 'status_report', 'attendance')),
        ordering_key text not null,
        method text not null,
        url text not null,
        body jsonb,
        status text not null check (status in ('pending', 'delivered', 'dead')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null,
        retry_until timestamptz not null,
        last_status_code integer,
        last_error text,
        created_at timestamptz not null,
        delivered_at timestamptz
      );
      create index altegio_calls_due on altegio_calls (next_attempt_at) where status = 'pending';
      create index altegio_calls_by_key on altegio_calls (ordering_key, id) where status = 'pending';
      create index altegio_calls_by_tenant on altegio_calls (tenant_id, id desc);
      create table altegio_payments (
        id bigserial primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        salon_id text not null,
        payload jsonb not null,
        at timestamptz not null
      );
    `,
  },
  {
    id: '006_altegio_scheduling',
    sql: `
      -- A business's scheduling settings (reminder offsets, kinds, reply words, test mode); defaults in code.
      create table altegio_settings (
        tenant_id text primary key references tenants(id) on delete cascade,
        settings jsonb not null default '{}'::jsonb,
        updated_at timestamptz not null
      );
      -- Template texts the business changed; the others are the defaults in domain/altegio/templates.ts.
      create table altegio_templates (
        tenant_id text not null references tenants(id) on delete cascade,
        kind text not null,
        language text not null,
        body text not null,
        updated_at timestamptz not null,
        primary key (tenant_id, kind, language)
      );
      -- What we know of each appointment (record), from its webhooks in last_change_date order.
      create table altegio_appointments (
        tenant_id text not null references tenants(id) on delete cascade,
        record_id text not null,
        company_id text not null,
        state jsonb not null,
        starts_at timestamptz,
        client_phone text,
        updated_at timestamptz not null,
        primary key (tenant_id, record_id)
      );
      create index altegio_appointments_by_client on altegio_appointments (tenant_id, client_phone, starts_at);
      -- Each planned notification and the message that carries it.
      create table altegio_scheduled (
        tenant_id text not null references tenants(id) on delete cascade,
        key text not null,
        send_at timestamptz not null,
        record_id text not null,
        kind text not null,
        expires_at timestamptz,
        message_id text references messages(id) on delete set null,
        cancelled boolean not null default false,
        created_at timestamptz not null,
        primary key (tenant_id, key, send_at)
      );
      create index altegio_scheduled_by_record on altegio_scheduled (tenant_id, record_id) where not cancelled;
      create index altegio_scheduled_unsent on altegio_scheduled (created_at) where message_id is null and not cancelled;
      create index altegio_scheduled_by_message on altegio_scheduled (message_id);
      -- A client's "+" / "-" to a prompted appointment; the answer message goes after the commit.
      create table altegio_replies (
        inbound_id text primary key,
        tenant_id text not null references tenants(id) on delete cascade,
        record_id text not null,
        intent text not null check (intent in ('confirm', 'cancel')),
        handled_at timestamptz,
        created_at timestamptz not null
      );
      create index altegio_replies_pending on altegio_replies (created_at) where handled_at is null;
    `,
  },
  {
    id: '007_altegio_install_proof',
    sql: `
      -- The ALTEGIO user whose signed Connect click created the install: only that user's later clicks
      -- open the business's panel.
      alter table altegio_installs add column owner_user_id text;
      update altegio_installs set owner_user_id = coalesce(user_data->>'id', user_data->>'user_id')
        where user_data is not null;
      -- Keys ALTEGIO may still use after a new Connect click, revoked once the new key is activated.
      alter table altegio_installs add column superseded_api_key_ids jsonb not null default '[]'::jsonb;
      -- Activation bodies held the key we issued and the record-webhook token in clear: the outbox now
      -- keeps neither (they are filled in from the install's sealed copies when sent).
      update altegio_calls set body = body || '{"api_key": "(sealed)", "webhook_urls": "(sealed)"}'::jsonb
        where kind = 'activation' and body is not null;
    `,
  },
  {
    id: '008_support_sessions',
    sql: `
      -- Support console sign-ins: the cookie holds a random token (only its hash is kept), never the
      -- operator's key; revoking the key it was opened with ends the session.
      create table support_sessions (
        token_hash text primary key,
        operator_id text not null references operators(id) on delete cascade,
        api_key_id text not null references api_keys(id) on delete cascade,
        expires_at timestamptz not null,
        created_at timestamptz not null default now()
      );
      -- What a key's owner may see again: its prefix and last four characters.
      alter table api_keys add column key_hint text;
    `,
  },
  {
    id: '009_altegio_salon_time_zone',
    sql: `
      -- The business an install created before ALTEGIO said the salon's time zone (it took the
      -- default): it takes the salon's timezone_name once known; meanwhile records' offsets write times.
      alter table altegio_installs add column time_zone_pending boolean not null default false;
    `,
  },
  {
    id: '010_message_request_fingerprint',
    sql: `
      -- A digest of the request that carried an idempotency key: the key reused for a different
      -- message is refused (409) instead of answering with the first one. Null on older rows.
      alter table messages add column request_fingerprint text;
    `,
  },
  {
    id: '011_webhook_errors_status_only',
    sql: `
      -- Failed attempts used to keep the first 200 bytes of the receiver's answer, which a business
      -- key can read back (an internal service's answer, through a webhook URL pointed at it): only
      -- the status stays.
      update webhook_attempts set error = substring(error from '^HTTP [0-9]+')
       where error ~ '^HTTP [0-9]+: ';
      update webhook_deliveries set last_error = substring(last_error from '^HTTP [0-9]+')
       where last_error ~ '^HTTP [0-9]+: ';
    `,
  },
  {
    id: '012_message_failure_detail',
    sql: `
      -- What a failure's reason alone does not say (a 463's cause: recipient_token_missing,
      -- misaddressed, reach_out_timelock, or why a first contact was held back: new_chats_capped).
      -- Null on older rows.
      alter table messages add column failure_detail text;
    `,
  },
  {
    id: '013_channel_new_chat_cap',
    sql: `
      -- What a restriction is (reach_out_timelock or new_chats_capped), so that after a restart a
      -- cap's restriction is still lifted by the cap's end and not by a timelock's, and the status
      -- says which. Null on older rows (the timelock, as before).
      alter table channels add column restricted_by text;
      -- WhatsApp's last word on the account's monthly new-chat cap: state, used, quota, resetsAt.
      alter table channels add column new_chat_cap jsonb;
    `,
  },
];

/** Applies pending migrations in one transaction; several nodes starting at once take turns. */
export async function migrate(db: Database): Promise<string[]> {
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('select pg_advisory_xact_lock(727274)');
    await tx.query(
      'create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())',
    );
    const applied = new Set(
      (await tx.query<{ id: string }>('select id from schema_migrations')).map((row) => row.id),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (id) values ($1)', [migration.id]);
      done.push(migration.id);
    }
    return done;
  });
}

/** Extended-protocol queries take one statement each; our migrations have no semicolons inside strings. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
