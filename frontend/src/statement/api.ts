/** The seller statement's GraphQL operation (types in src/gql after `npm run codegen`). */
import { gql } from '../api/client';
import { graphql } from '../gql';
import type { Period } from './period';

export const SellerStatementQuery = graphql(`
  query SellerStatement($from: Date!, $to: Date!) {
    sellerStatement(from: $from, to: $to) {
      from
      to
      sellers {
        sellerId
        sellerName
        gross {
          total
          taxable
          taxFree
          count
        }
        refunds {
          total
          taxable
          taxFree
          count
        }
        net {
          total
          taxable
          taxFree
        }
        days {
          date
          gross {
            total
            count
          }
          refunds {
            total
            count
          }
          net {
            total
          }
        }
      }
    }
  }
`);

/** The signed-in seller's own statement for the period (a seller's statement lists only itself). */
export const fetchSellerStatement = async (period: Period) =>
  (await gql(SellerStatementQuery, { from: period.from, to: period.to })).sellerStatement;

export type SellerStatementReport = Awaited<ReturnType<typeof fetchSellerStatement>>;
export type SellerStatementRow = SellerStatementReport['sellers'][number];
