import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Django serves the built pages; whitenoise serves /static/assets/* from dist/.
export default defineConfig({
  base: '/static/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Only GraphiQL's editor (the DEBUG-only /graphql/ page) is this large; the shop's own chunks stay small.
    chunkSizeWarningLimit: 3000,
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        graphiql: resolve(import.meta.dirname, 'graphiql.html'),
      },
      output: {
        // The Bootpay SDK in a chunk of its own, named so its size is easy to follow.
        codeSplitting: { groups: [{ name: 'bootpay-sdk', test: /node_modules[\\/]@bootpay[\\/]/ }] },
      },
      // GraphiQL's React dependencies carry "use client" directives, meaningless in a plain bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    // `npm run dev` against a local Django on :8000.
    proxy: {
      '/graphql/': 'http://127.0.0.1:8000',
      '/api/': 'http://127.0.0.1:8000',
    },
  },
});
