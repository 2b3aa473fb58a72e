/**
 * Exchange module (数据共享交换): access requests (供需对接) and grants, query and verification calls
 * under grants with signed responses and receipts, batched logging of every call in the
 * transparency log, client assertions (RFC 7523), change-feed subscriptions (数据回流), 我的数据使用
 * 记录 with misuse cases, and the `shared_data` material source (免提交). Owns the exchange_* tables.
 * Design: README.md beside this file.
 */
import './exchange.types';
export { ExchangeService, ASSERTION_TYPE, type GrantRow, type RequestInput, type CallInput } from './exchange.service';
export { exchangeRoutes } from './exchange.routes';
export { sharedDataSource } from './exchange.material-source';
export { seedDemoExchange, DEMO_CLIENT_ID, DEMO_CLIENT_PRIVATE_JWK } from './exchange.demo';
export { signClientAssertion, verifyBatchSigned, publicKeyFromJwk } from './exchange.crypto';
export { exchangeErrors } from './exchange.errors';
