export * from './config.js';
export * from './service.js';
export { ROLES, type Role, type Principal } from './auth/roles.js';
export { hashSecret, newCredential, verifySecret } from './auth/credentials.js';
export { accountStateOf } from './rules/account-state.js';
export { catalogueWithPartnerRates } from './rules/retail-prices.js';
