import type { Release } from '../../client/wire.ts';

/** A release answer as the route hands it over (read-only). */
export type ReleaseText = { readonly [K in keyof Release]: Release[K] extends object ? Readonly<Release[K]> : Release[K] };

/**
 * The release's 200 body: `JSON.stringify`'s text, handed to Fastify as its UTF-8 bytes.
 *
 * The same bytes on the wire, fewer on the young heap. `JSON.stringify`'s result is a cons string
 * of the parts its builder grew (V8 11.3, this Node), and as a string body it was copied flat
 * twice: by Fastify's `Buffer.byteLength` for the content-length, then — Node prepends the
 * header block to a string body (`_send`: `this._header + data`) — as one string of headers and
 * body when the socket wrote it, two-byte throughout when the body is (names and addresses in
 * Hangul are): ~1.7 KB for a ~350-character body behind ~15 header lines. As a Buffer the body is
 * made flat once (into the buffer pool, outside the heap) and written beside the header block,
 * which stays one-byte. Measured in docs/release.md (h-bytes3).
 */
export const releaseBytes = (r: ReleaseText): Buffer => Buffer.from(JSON.stringify(r), 'utf8');
