// The fake ALTEGIO lives with the product (the sandbox uses it too).
export * from '../../src/altegio/fake/fake-altegio.js';
