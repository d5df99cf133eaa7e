import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Sent as it is: malformed percent-encodings and all. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sends the body chunked, without Content-Length. */
  chunked?: boolean;
}

/**
 * A request exactly as given, on a connection of its own: methods the Fetch standard will not send (TRACE,
 * PROPFIND), paths a URL parser would repair, bodies without Content-Length. Resolves with the answer even
 * when the server closes the connection before the body was all sent (a refused upload).
 */
export function rawRequest(baseURL: string, spec: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseURL);
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const headers: Record<string, string> = { ...spec.headers };
  if (body && spec.chunked) headers['Transfer-Encoding'] = 'chunked';
  else if (body) headers['Content-Length'] = String(body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(
      { hostname, port, method: spec.method, path: spec.path, headers, agent: false },
      (response) => {
        answered = true;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (body) request.write(body);
    request.end();
  });
}
