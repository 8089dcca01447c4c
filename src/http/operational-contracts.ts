import { z } from 'zod';
import { json } from './contract-responses.js';
import type { Operation } from './route-contract.js';
import { errorView } from './view-schemas.js';

const up = json('Up', z.object({ ok: z.boolean() }));

/**
 * The contracts of the operator's routes app.ts answers outside /v1 (no API key): liveness,
 * readiness, metrics and this document.
 */
export const operationalContracts: readonly Operation[] = [
  {
    path: '/health',
    contract: { method: 'get', path: '/health', summary: 'Liveness', public: true, responses: { 200: up } },
  },
  {
    path: '/healthz',
    contract: {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness',
      description:
        'The process answers; the database is not consulted (an outage must not get it restarted).',
      public: true,
      responses: { 200: up },
    },
  },
  {
    path: '/readyz',
    contract: {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness',
      description:
        'The database answers `select 1`. While it is unavailable: 503 `database_unavailable` with `Retry-After`, like every route that needs it. Several nodes (NODE_ID): 503 `not_ready` while the node starts (before its lease keeper ran once), drains (SIGTERM), or cannot renew its leases.',
      public: true,
      responses: { 200: json('Ready', z.object({ ok: z.boolean(), database: z.enum(['ok']) })) },
    },
  },
  {
    path: '/metrics',
    contract: {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      description: 'When METRICS_TOKEN is configured, send it as a Bearer token.',
      public: true,
      responses: {
        200: { description: 'Prometheus text format', media: { 'text/plain': {} } },
        401: json('METRICS_TOKEN is set and was not sent', errorView),
      },
    },
  },
  {
    path: '/openapi.json',
    contract: {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      public: true,
      responses: { 200: json('OpenAPI 3.0', z.record(z.unknown())) },
    },
  },
];
