#!/usr/bin/env node
'use strict';
/**
 * Verifies the hash chain of a Ledgerline audit export, independently of the application: plain
 * Node, node:crypto, and its own RFC 8785 canonicalizer. See "Audit trail" in README.md.
 *
 *   node scripts/verify-audit-chain.js [export.ndjson | -] [--prev-hash <64 hex>]
 *
 * Reads NDJSON (one event envelope per line, as GET /audit/streams/{id} with
 * Accept: application/x-ndjson exports it) from the file, or from stdin when the file is "-" or
 * absent. Events are checked per stream, in the order given: revisions must run 0, 1, 2, ...
 * without gaps, and each hash must equal
 *
 *   SHA-256( UTF-8( JCS({eventId, type, schemaVersion, streamId, revision, recordedAt, data,
 *                        metadata}) + "\n" + <previous hash> ) )   as lowercase hex,
 *
 * the previous hash of revision 0 being 64 zeros. An export that starts later in a stream (a
 * page) needs --prev-hash: the hash of the revision before its first event.
 *
 * Prints "OK <stream> revisions <first>..<last> head <hash>" per intact stream, or
 * "BROKEN <stream> at revision <n>: <why>" for the first broken link of a stream.
 * Exit status: 0 all intact, 1 something broken, 2 unreadable input or bad arguments.
 */
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const { createInterface } = require('node:readline');

const GENESIS = '0'.repeat(64);
const HASHED_FIELDS = [
  'eventId',
  'type',
  'schemaVersion',
  'streamId',
  'revision',
  'recordedAt',
  'data',
  'metadata',
];

/** RFC 8785 (JSON Canonicalization Scheme) for values that came out of JSON.parse. */
function canonicalize(value) {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('JCS has no form for NaN or Infinity');
    // RFC 8785 section 3.2.2.3 is ECMAScript's Number-to-String, which JSON.stringify applies.
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return canonicalString(value);
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.keys(value)
      .sort(compareUtf16)
      .map((key) => `${canonicalString(key)}:${canonicalize(value[key])}`);
    return `{${members.join(',')}}`;
  }
  throw new Error(`JCS has no form for a ${typeof value}`);
}

/**
 * RFC 8785 section 3.2.2.2: only ", \ and controls are escaped; \b \t \n \f \r by name, other
 * controls as \u00xx. A lone surrogate (not valid I-JSON) is escaped as \udxxx, as ECMAScript's
 * JSON.stringify does, instead of being refused.
 */
function canonicalString(text) {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] + text[i + 1];
        i++;
      } else {
        out += `\\u${unit.toString(16)}`;
      }
    } else if (unit === 0x22) out += '\\"';
    else if (unit === 0x5c) out += '\\\\';
    else if (unit === 0x08) out += '\\b';
    else if (unit === 0x09) out += '\\t';
    else if (unit === 0x0a) out += '\\n';
    else if (unit === 0x0c) out += '\\f';
    else if (unit === 0x0d) out += '\\r';
    else if (unit < 0x20) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += text[i];
  }
  return `${out}"`;
}

/** Property names are sorted by their UTF-16 code units (RFC 8785 section 3.2.3). */
function compareUtf16(a, b) {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = a.charCodeAt(i) - b.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function eventHash(event, previousHash) {
  const hashed = {};
  for (const field of HASHED_FIELDS) {
    if (!(field in event)) throw new Error(`the event has no ${field}`);
    hashed[field] = event[field];
  }
  return createHash('sha256')
    .update(`${canonicalize(hashed)}\n${previousHash}`, 'utf8')
    .digest('hex');
}

function parseArguments(argv) {
  const options = { file: '-', prevHash: undefined };
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--prev-hash') {
      options.prevHash = argv[++i];
      if (!/^[0-9a-f]{64}$/.test(options.prevHash ?? '')) {
        throw new Error('--prev-hash takes 64 lowercase hex digits');
      }
    } else if (argv[i] === '--help' || argv[i] === '-h') {
      options.help = true;
    } else {
      files.push(argv[i]);
    }
  }
  if (files.length > 1) throw new Error('give one export file (or - for stdin)');
  if (files.length === 1) options.file = files[0];
  return options;
}

async function verify(lines, prevHash) {
  /** streamId -> { first, nextRevision, previousHash, broken } */
  const streams = new Map();
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${lineNumber} is not JSON: ${error.message}`);
    }
    if (event === null || typeof event !== 'object' || typeof event.streamId !== 'string') {
      throw new Error(`line ${lineNumber} is not an event envelope`);
    }
    let stream = streams.get(event.streamId);
    if (!stream) {
      const startsLater = Number.isInteger(event.revision) && event.revision > 0;
      if (startsLater && prevHash === undefined) {
        stream = {
          broken: `the export starts at revision ${event.revision}; pass --prev-hash with the hash of revision ${event.revision - 1}`,
          brokenAt: event.revision,
        };
      } else {
        stream = {
          first: startsLater ? event.revision : 0,
          nextRevision: startsLater ? event.revision : 0,
          previousHash: startsLater ? prevHash : GENESIS,
        };
      }
      streams.set(event.streamId, stream);
    }
    if (stream.broken) continue;
    const failure = checkLink(stream, event);
    if (failure) {
      stream.broken = failure.why;
      stream.brokenAt = failure.revision;
      continue;
    }
    stream.previousHash = event.hash;
    stream.nextRevision++;
  }
  return streams;
}

function checkLink(stream, event) {
  if (!Number.isInteger(event.revision)) {
    return { revision: stream.nextRevision, why: 'an event has no integer revision' };
  }
  if (event.revision > stream.nextRevision) {
    return {
      revision: stream.nextRevision,
      why: `missing (the next event is revision ${event.revision})`,
    };
  }
  if (event.revision < stream.nextRevision) {
    return { revision: event.revision, why: 'out of order (this revision came already)' };
  }
  let expected;
  try {
    expected = eventHash(event, stream.previousHash);
  } catch (error) {
    return { revision: event.revision, why: `cannot be hashed: ${error.message}` };
  }
  if (expected !== event.hash) {
    return {
      revision: event.revision,
      why: `hash mismatch: computed ${expected}, the export says ${event.hash} (the event or its predecessor was changed, or events were reordered)`,
    };
  }
  return undefined;
}

async function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`verify-audit-chain: ${error.message}`);
    return 2;
  }
  if (options.help) {
    console.log(
      'usage: node scripts/verify-audit-chain.js [export.ndjson | -] [--prev-hash <hex>]',
    );
    return 0;
  }
  const input = options.file === '-' ? process.stdin : createReadStream(options.file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let streams;
  try {
    streams = await verify(lines, options.prevHash);
  } catch (error) {
    console.error(`verify-audit-chain: ${error.message}`);
    return 2;
  }
  if (streams.size === 0) {
    console.error('verify-audit-chain: the export holds no events');
    return 2;
  }
  let broken = 0;
  for (const [streamId, stream] of streams) {
    if (stream.broken) {
      broken++;
      console.log(`BROKEN ${streamId} at revision ${stream.brokenAt}: ${stream.broken}`);
    } else {
      console.log(
        `OK ${streamId} revisions ${stream.first}..${stream.nextRevision - 1} head ${stream.previousHash}`,
      );
    }
  }
  return broken === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`verify-audit-chain: ${error.stack ?? error}`);
      process.exitCode = 2;
    },
  );
}

module.exports = { canonicalize, eventHash };
