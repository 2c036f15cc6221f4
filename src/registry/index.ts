export { registryMigrations } from './tables.ts';
export { categories, categoryIds, categoryOf, type Category } from './categories.ts';
export { checkDigitFor, displayGtin, gtinIsValid, parseGtin, type GtinResult } from './gtin.ts';
export { createProduct, getProduct, listProducts, productInput, slugForProduct, updateProduct, type Product, type ProductInput } from './products.ts';
export {
  daysLeft,
  getSupportPeriod,
  longDate,
  setSupportPeriod,
  supportPeriodHistory,
  supportPeriodInput,
  supportStatement,
  type SupportPeriod,
  type SupportPeriodEvent,
} from './support-periods.ts';
export {
  allPublicProducts,
  publicHistory,
  publicProductByGtin,
  publicProductByModel,
  publicProductBySlug,
  publicProductsOfMaker,
  type PublicProduct,
} from './public.ts';
export { digitalLinkPath, parseDigitalLink, type DigitalLink } from './digital-link.ts';
export { exportProductsCsv, importProductsCsv, productCsvColumns, type ImportLine } from './product-csv.ts';
export { watchlistMigrations } from './watchlist-tables.ts';
export { createWatchlist, deleteWatchlist, listWatchlists, watchCatalogues, watchlistInput, MAX_WATCHED, type Watchlist } from './watchlists.ts';
export * from './catalogue.ts';
export * from './catalogue-report.ts';
