import type { Metadata } from 'next';
import styles from './docs.module.css';
import { SwaggerUi } from './swagger-ui';

export const metadata: Metadata = { title: 'API' };

const DOCUMENT_URL = '/api/openapi.json';

export default function ApiDocsPage() {
  return (
    <>
      <h1>API</h1>
      <p className="muted">
        Every route with its parameters, bodies, responses and errors, rendered from{' '}
        <a href={DOCUMENT_URL}>{DOCUMENT_URL}</a> (OpenAPI 3.1), which the server generates from the schemas
        it validates with.
      </p>
      <noscript>
        <p>This page needs JavaScript; the description itself is at {DOCUMENT_URL}.</p>
      </noscript>
      <div className={styles.wide}>
        <SwaggerUi url={DOCUMENT_URL} />
      </div>
    </>
  );
}
