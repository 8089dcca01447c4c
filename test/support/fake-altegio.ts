// The fake ALTEGIO lives with the product (the sandbox uses it too).
export * from '../../src/integrations/altegio/fake/fake-altegio.js';
