// Moved to src/integrations/altegio/http/altegio-settings-routes.ts; this re-export keeps the last commit's importers building until they follow (removed next).
export * from '../integrations/altegio/http/altegio-settings-routes.js';
