import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { DIFF_RATES_MS, type DiffBatch } from './book-feed.ts';
import type { LocalVenue, PublicTrade } from './venue.ts';

/**
 * The WebSocket half of the local Binance USD-M server.
 *
 * Paths (any host prefix is the server's): `/ws`, `/ws/<n>`, `/public/ws[/<n>]`, `/market/ws[/<n>]` take
 * SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS messages (`{"method":"SUBSCRIBE","params":[…],"id":1}` →
 * `{"result":null,"id":1}`); a last path segment holding "@" names streams directly
 * (`/ws/btcusdt@trade/btcusdt@depth`); `/stream?streams=a/b` (also under /public, /market) sends combined
 * `{"stream":…,"data":…}` frames. The user data stream is `/private/ws?listenKey=K`, `/private/ws/K` or
 * `/ws/K` for a live listen key K (an unknown key is refused with HTTP 400 at the upgrade).
 *
 * Streams of the served symbol (lower case, e.g. `btcusdt`):
 * - `<s>@depth@100ms`, `<s>@depth@250ms` (= `<s>@depth`), `<s>@depth@500ms` (`@0ms` is served at 100 ms):
 *   `depthUpdate` diffs with U/u/pu (see book-feed.ts), wall-clock cadence;
 * - `<s>@depth5|10|20[@100ms|@250ms|@500ms]`: the top levels, on the same cadence, when the book changed;
 * - `<s>@trade` and `<s>@aggTrade`: every market trade (one aggregate per print);
 * - `<s>@bookTicker`: best bid/ask whenever either changes.
 * Other streams are accepted and stay silent. While the feed is paused (test hook) no market data is
 * sent and depth diffs accumulate, so the U/u/pu chain continues unbroken after the pause.
 */
type Subscription = (
  { kind: 'depth'; rate: number; levels?: number } | { kind: 'trade' } | { kind: 'aggTrade' } | { kind: 'bookTicker' } | { kind: 'other' }
) & { /** The stream name as the client wrote it (echoed in combined frames). */ name?: string };

interface Connection {
  ws: WebSocket;
  combined: boolean;
  listenKey?: string;
  streams: Map<string, Subscription>;
}

export class StreamHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly symbol: string;
  private lastTicker = '';
  paused = false;
  messagesSent = 0;

  constructor(
    private readonly venue: LocalVenue,
    private readonly listenKeys: Set<string>,
  ) {
    this.symbol = venue.symbol.id.toLowerCase();
  }

  /** Open sockets, and how many subscribe to each stream name (lower case). */
  counts(): { public: number; user: number; streams: Record<string, number> } {
    let user = 0;
    const streams: Record<string, number> = {};
    for (const c of this.connections) {
      if (c.listenKey) user++;
      for (const name of c.streams.keys()) streams[name] = (streams[name] ?? 0) + 1;
    }
    return { public: this.connections.size - user, user, streams };
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const segments = url.pathname.split('/').filter((s) => s.length > 0);
    const refuse = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    if (!['ws', 'stream', 'public', 'market', 'private'].includes(segments[0] ?? '')) return refuse('404 Not Found');
    const keyInPath = segments.find((s) => this.listenKeys.has(s));
    const isPrivate = segments[0] === 'private' || url.searchParams.has('listenKey') || keyInPath !== undefined;
    const listenKey = url.searchParams.get('listenKey') ?? keyInPath ?? segments[segments.length - 1];
    if (isPrivate && !this.listenKeys.has(listenKey)) return refuse('400 Bad Request');
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = { ws, combined: segments.includes('stream'), streams: new Map() };
      if (isPrivate) connection.listenKey = listenKey;
      else {
        const initial = connection.combined
          ? (url.searchParams.get('streams') ?? '').split('/')
          : segments.slice(1).filter((s) => s.includes('@'));
        for (const name of initial) if (name) this.subscribe(connection, name);
      }
      this.connections.add(connection);
      ws.on('message', (data) => this.onMessage(connection, data.toString()));
      ws.on('close', () => this.connections.delete(connection));
      ws.on('error', () => this.connections.delete(connection));
    });
  }

  /** A user data stream event, to every connection on a live listen key. */
  user(event: Record<string, unknown>): void {
    const text = JSON.stringify(event);
    for (const c of this.connections) if (c.listenKey && this.listenKeys.has(c.listenKey)) this.send(c, text);
  }

  trade(trade: PublicTrade): void {
    if (this.paused) return;
    const { venue } = this;
    const time = Math.round(trade.wallMs);
    const base = {
      E: time,
      T: time,
      s: venue.symbol.id,
      p: venue.json.price(trade.price),
      q: venue.json.qty(trade.qty),
      m: trade.takerSide === 'sell',
    };
    this.publish('trade', () => ({ e: 'trade', ...base, t: trade.id, X: 'MARKET' }));
    this.publish('aggTrade', () => ({ e: 'aggTrade', ...base, a: trade.id, f: trade.id, l: trade.id }));
  }

  /** A book message was applied: best bid/ask to bookTicker subscribers when it changed. */
  book(): void {
    if (this.paused) return;
    const { book } = this.venue.exchange;
    const key = `${book.bestBid}:${book.bestBidSize()}:${book.bestAsk}:${book.bestAskSize()}`;
    if (key === this.lastTicker) return;
    this.lastTicker = key;
    const { venue } = this;
    this.publish('bookTicker', () => {
      const now = Date.now();
      return {
        e: 'bookTicker',
        u: venue.feed.updateId,
        s: venue.symbol.id,
        b: venue.json.price(book.bestBid),
        B: venue.json.qty(book.bestBidSize()),
        a: venue.json.price(book.bestAsk),
        A: venue.json.qty(book.bestAskSize()),
        T: now,
        E: now,
      };
    });
  }

  /** Sends one rate's depth diff (and the partial-depth streams of that rate). */
  flushDepth(rate: number): void {
    if (this.paused) return;
    const batch = this.venue.feed.flush(rate);
    if (!batch) return;
    const now = Date.now();
    const payloads = new Map<string, string>();
    const payload = (levels: number | undefined): Record<string, unknown> =>
      levels === undefined ? this.diff(batch, now) : this.partial(batch, levels, now);
    for (const c of this.connections) {
      for (const sub of c.streams.values()) {
        if (sub.kind !== 'depth' || sub.rate !== rate) continue;
        const name = sub.name;
        const cacheKey = `${sub.levels ?? 0}:${c.combined ? name : ''}`;
        let text = payloads.get(cacheKey);
        if (text === undefined) {
          const data = payload(sub.levels);
          text = JSON.stringify(c.combined ? { stream: name, data } : data);
          payloads.set(cacheKey, text);
        }
        this.send(c, text);
      }
    }
  }

  /** Closes every socket abruptly (test hook for reconnects); returns how many. */
  dropAll(): number {
    const count = this.connections.size;
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    return count;
  }

  closeListenKey(key: string): void {
    for (const c of this.connections) if (c.listenKey === key) c.ws.close(1000, 'listenKey closed');
  }

  close(): void {
    this.dropAll();
    this.wss.close();
  }

  private diff(batch: DiffBatch, now: number): Record<string, unknown> {
    const { venue } = this;
    const { book } = venue.exchange;
    return {
      e: 'depthUpdate',
      E: now,
      T: now,
      s: venue.symbol.id,
      U: batch.U,
      u: batch.u,
      pu: batch.pu,
      b: batch.bids.map((p) => [venue.json.price(p), venue.json.qty(book.sizeAt('bid', p))]),
      a: batch.asks.map((p) => [venue.json.price(p), venue.json.qty(book.sizeAt('ask', p))]),
    };
  }

  private partial(batch: DiffBatch, levels: number, now: number): Record<string, unknown> {
    const { venue } = this;
    const { bids, asks } = venue.depth(levels);
    return {
      e: 'depthUpdate',
      E: now,
      T: now,
      s: venue.symbol.id,
      U: batch.U,
      u: batch.u,
      pu: batch.pu,
      b: venue.json.levels(bids),
      a: venue.json.levels(asks),
    };
  }

  private publish(kind: 'trade' | 'aggTrade' | 'bookTicker', build: () => Record<string, unknown>): void {
    let data: Record<string, unknown> | undefined;
    for (const c of this.connections) {
      for (const sub of c.streams.values()) {
        if (sub.kind !== kind) continue;
        data ??= build();
        this.send(c, JSON.stringify(c.combined ? { stream: sub.name, data } : data));
      }
    }
  }

  private subscribe(connection: Connection, name: string): void {
    connection.streams.set(name.toLowerCase(), { ...this.parse(name.toLowerCase()), name });
  }

  private parse(name: string): Subscription {
    const at = name.indexOf('@');
    if (at < 0 || name.slice(0, at) !== this.symbol) return { kind: 'other' };
    const rest = name.slice(at + 1);
    const depth = /^depth(5|10|20)?(?:@(\d+)ms)?$/.exec(rest);
    if (depth) {
      const asked = depth[2] === undefined ? 250 : Number(depth[2]);
      const rate = (DIFF_RATES_MS as readonly number[]).includes(asked) ? asked : 100;
      return { kind: 'depth', rate, levels: depth[1] === undefined ? undefined : Number(depth[1]) };
    }
    if (rest === 'trade') return { kind: 'trade' };
    if (rest === 'aggtrade') return { kind: 'aggTrade' };
    if (rest === 'bookticker') return { kind: 'bookTicker' };
    return { kind: 'other' };
  }

  private onMessage(connection: Connection, text: string): void {
    let message: { method?: unknown; params?: unknown; id?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.send(connection, JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }));
      return;
    }
    const id = message.id ?? null;
    const params = Array.isArray(message.params) ? message.params.filter((p): p is string => typeof p === 'string') : [];
    switch (message.method) {
      case 'SUBSCRIBE':
        for (const name of params) this.subscribe(connection, name);
        this.send(connection, JSON.stringify({ result: null, id }));
        break;
      case 'UNSUBSCRIBE':
        for (const name of params) connection.streams.delete(name.toLowerCase());
        this.send(connection, JSON.stringify({ result: null, id }));
        break;
      case 'LIST_SUBSCRIPTIONS':
        this.send(connection, JSON.stringify({ result: [...connection.streams.values()].map((s) => s.name), id }));
        break;
      case 'SET_PROPERTY':
        this.send(connection, JSON.stringify({ result: null, id }));
        break;
      case 'GET_PROPERTY':
        this.send(connection, JSON.stringify({ result: connection.combined, id }));
        break;
      default:
        this.send(connection, JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method ${String(message.method)}` }, id }));
    }
  }

  private send(connection: Connection, text: string): void {
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    connection.ws.send(text);
    this.messagesSent++;
  }
}
