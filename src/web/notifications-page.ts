// Moved to src/integrations/altegio/web/notifications-page.ts; this re-export keeps the last commit's importers building until they follow (removed next).
export * from '../integrations/altegio/web/notifications-page.js';
