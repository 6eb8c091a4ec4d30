/** Meta's Graph API host; the sandbox or a proxy can replace it. */
export const DEFAULT_BASE_URL = 'https://graph.facebook.com';

/** A current Graph API version (released 2026-02-18, available until 2028-07-29). */
export const DEFAULT_API_VERSION = 'v25.0';
