export { registryMigrations } from './tables.ts';
export { createProduct, listProducts, gtinIsValid, productInput, type Product } from './products.ts';
