/**
 * relink's MongoDB adapter: a connection with the server's capabilities, bulk writes sized for it,
 * versioned writes by several processes, classified errors, and the encryption of personal data.
 * Moves bytes; decides nothing and holds no document model.
 *
 * @module @relink/mongo
 */
export * as Mongo from "./Mongo.ts"
export * as MongoError from "./MongoError.ts"
export * as Pii from "./Pii.ts"
export * as VersionedWrite from "./VersionedWrite.ts"
