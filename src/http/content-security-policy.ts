interface PolicyOptions {
  /** `next dev` evaluates code (React's debugging, Fast Refresh): only there is `'unsafe-eval'` allowed. */
  development: boolean;
  /** For a site served only over HTTPS (HSTS configured): any http:// subresource is fetched as https://. */
  upgradeInsecureRequests: boolean;
}

/**
 * The Content-Security-Policy of every page. Scripts run only when they carry this response's nonce (Next.js
 * puts it on its own) or are loaded by one that does (`'strict-dynamic'`: the chunks Next.js and Swagger UI
 * load later), so a script injected into the HTML does not run. Styles may be inline: React and Swagger UI
 * set `style` attributes, and a style cannot run code. Nothing may frame a page or be posted elsewhere.
 */
export function contentSecurityPolicy(nonce: string, options: PolicyOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.upgradeInsecureRequests ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}
