/**
 * A stand-in for Active Directory, which cannot run here: a TCP server on 127.0.0.1 that records
 * every byte it receives. By default it answers nothing. With `answerBinds` it answers every
 * bind request with success, whatever the password, the way AD answers an "unauthenticated"
 * bind (a DN with an empty password): so a test sees both that a refused input sent no byte, and
 * what would have happened had one been sent.
 */
import net from 'node:net';

export interface FakeActiveDirectory {
  /** `ldap://127.0.0.1:<port>` */
  url: string;
  /** Every byte received so far, over all connections. */
  received(): Buffer;
  /** How many TCP connections were opened. */
  connections(): number;
  close(): Promise<void>;
}

/** One BER element at `offset` (tag, content start and end); null until enough bytes have arrived. */
function element(buffer: Buffer, offset: number): { tag: number; start: number; end: number } | null {
  if (offset + 2 > buffer.length) return null;
  let length = buffer[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (start + count > buffer.length) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[start + i]!;
    start += count;
  }
  return start + length <= buffer.length ? { tag: buffer[offset]!, start, end: start + length } : null;
}

/** BindResponse { resultCode success, matchedDN "", diagnosticMessage "" } for message `id` (its encoded INTEGER). */
function bindSuccess(messageId: Buffer): Buffer {
  const bindResponse = Buffer.from([0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]);
  const body = Buffer.concat([Buffer.from([0x02, messageId.length]), messageId, bindResponse]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

export async function startFakeActiveDirectory(options: { answerBinds?: boolean } = {}): Promise<FakeActiveDirectory> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(Buffer.from(chunk));
      if (!options.answerBinds) return;
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const message = element(pending, 0);
        if (!message) return;
        const id = element(pending, message.start);
        const operation = id ? element(pending, id.end) : null;
        // 0x60: BindRequest ([APPLICATION 0]).
        if (id && operation?.tag === 0x60) socket.write(bindSuccess(pending.subarray(id.start, id.end)));
        pending = pending.subarray(message.end);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ldap://127.0.0.1:${port}`,
    received: () => Buffer.concat(chunks),
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
