export declare const JSON_BODY_LIMIT_BYTES: number;
