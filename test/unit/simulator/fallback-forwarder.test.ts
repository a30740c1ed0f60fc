/**
 * The replay's fallback (src/simulator/replay/fallback.ts) over kept-alive connections: an upstream that
 * drops a reused connection as a request arrives (an idle timeout racing the reuse; seen at 1M records
 * in the latency bench) costs the request nothing, it goes again on a new connection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createForwarder } from '../../../src/simulator/replay/fallback.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers the first request of each connection; drops the connection at its second. */
async function upstreamDroppingReusedConnections(): Promise<{ url: string; connections: () => number }> {
  const served = new WeakMap<object, number>();
  let connections = 0;
  server = createServer((request, response) => {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    if (count > 1) {
      request.socket.destroy();
      return;
    }
    request.resume();
    request.on('end', () => response.end(JSON.stringify({ path: request.url })));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

describe('the replay fallback', () => {
  it('sends a request again on a new connection when the kept-alive one is dropped', async () => {
    const upstream = await upstreamDroppingReusedConnections();
    const forwarder = createForwarder({ baseUrl: upstream.url });
    try {
      for (const page of [0, 1, 2]) {
        const answer = await forwarder.forward('POST', `/v1/x/list?page=${page}`, {}, Buffer.from('{}'));
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body.toString())).toEqual({ path: `/v1/x/list?page=${page}` });
      }
      // The first request opened a connection; each later one found it dropped and opened another.
      expect(upstream.connections()).toBe(3);
    } finally {
      forwarder.close();
    }
  });
});
