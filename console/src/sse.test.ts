import { describe, expect, it } from 'vitest';
import { readEvents, type SseEvent } from './sse.ts';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      c.close();
    },
  });
}

async function all(chunks: string[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of readEvents(streamOf(chunks))) out.push(e);
  return out;
}

describe('readEvents', () => {
  it('when events arrive split across chunks with comments, then each is whole and comments are dropped', async () => {
    expect(
      await all([': ping\n\nevent: fle', 'et\ndata: {"a":', '1}\n\n', 'data: x\ndata: y\r\n\r\n']),
    ).toEqual([
      { event: 'fleet', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });
  it('when the stream ends mid-event, then the partial event is not delivered', async () => {
    expect(await all(['event: fleet\ndata: {'])).toEqual([]);
  });
});
