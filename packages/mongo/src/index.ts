/**
 * relink's MongoDB adapter. Moves bytes; decides nothing.
 *
 * @module @relink/mongo
 */
export * as Pii from "./Pii.ts"
export * as Store from "./Store.ts"
export * as MongoError from "./MongoError.ts"
