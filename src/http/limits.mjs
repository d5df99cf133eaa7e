// Plain .mjs so that next.config.mjs can import it without a TypeScript step.
/** Largest JSON request body the API reads (64 KiB). */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;
