import type { CodegenConfig } from '@graphql-codegen/cli';

// Types for the operations in src/ (written with `graphql(...)` from src/gql), from the backend's SDL.
const config: CodegenConfig = {
  schema: '../graphql_api/schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*', '!src/**/*.test.ts'],
  ignoreNoDocuments: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Plain strings at run time: no GraphQL parser or printer in the bundle.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { Date: 'string', DateTime: 'string', JSON: 'unknown', Won: 'number' },
      },
    },
  },
};

export default config;
