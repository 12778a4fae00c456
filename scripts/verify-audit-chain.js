#!/usr/bin/env node
'use strict';
/**
 * Verifies the hash chain of a Ledgerline audit export, independently of the application: plain
 * Node, node:crypto, and its own RFC 8785 canonicalizer. See "Audit trail" in README.md.
 *
 *   node scripts/verify-audit-chain.js [export.ndjson | -] [--prev-hash <64 hex>]
 *                                      [--keys <keys.json | keys.pem> --anchor <anchor.json> ...]
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
 *
 * Anchors (GET /audit/streams/{id}/anchor; a file may hold one, a JSON array, or one per line)
 * are checked with the public keys alone (--keys: GET /audit/keys saved as JSON, or PEM public
 * keys). A key's id is computed here, from the key: the first 16 hex digits of the SHA-256 of
 * its raw 32-byte Ed25519 public key. The signature is Ed25519 over
 * UTF-8(JCS({streamId, revision, hash, anchoredAt})), hex. An anchor whose stream is in the
 * export must also match it: the event at the anchored revision carries the anchored hash, and
 * the export does not end before it. Prints "ANCHOR OK <stream> revision <n> key <id> ..." or
 * "ANCHOR BROKEN <stream> revision <n>: <why>".
 *
 * Events whose personal fields are sealed (objects with "$sealed", naming their data subject by a
 * blind index) are hashed as they are, ciphertext included, so an export taken after an erasure
 * verifies like any other. When the export holds DataSubjectErased events (export the erasure
 * streams with the others) it also prints "PERSONAL <n> events carry sealed personal fields; <m>
 * of them carry fields of erased subjects (<k> DataSubjectErased events in this export)".
 *
 * Exit status: 0 all intact, 1 something broken, 2 unreadable input or bad arguments.
 */
const { createHash, createPublicKey, verify: verifySignature } = require('node:crypto');
const { createReadStream, readFileSync } = require('node:fs');
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
  const options = { file: '-', prevHash: undefined, keys: undefined, anchors: [] };
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--keys' || argv[i] === '--anchor') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${argv[i - 1]} takes a file`);
      if (argv[i - 1] === '--keys') options.keys = value;
      else options.anchors.push(value);
    } else if (argv[i] === '--prev-hash') {
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
  if (options.anchors.length > 0 && options.keys === undefined) {
    throw new Error('--anchor needs --keys: the public keys to check it with');
  }
  return options;
}

/** keyId -> KeyObject, from GET /audit/keys as JSON or from PEM public keys. */
function readKeys(file) {
  const text = readFileSync(file, 'utf8');
  let pems;
  if (text.trimStart().startsWith('{')) {
    const body = JSON.parse(text);
    if (!Array.isArray(body.keys)) throw new Error(`${file} has no "keys" array`);
    pems = body.keys.map((key) => key.publicKey);
  } else {
    pems = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  }
  if (pems.length === 0) throw new Error(`${file} holds no public key`);
  const keys = new Map();
  for (const pem of pems) {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: a key is not Ed25519`);
    const raw = Buffer.from(key.export({ format: 'jwk' }).x, 'base64url');
    keys.set(createHash('sha256').update(raw).digest('hex').slice(0, 16), key);
  }
  return keys;
}

function readAnchors(files) {
  const anchors = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8').trim();
    const values = text.startsWith('[')
      ? JSON.parse(text)
      : text
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line));
    for (const anchor of values) {
      if (anchor === null || typeof anchor !== 'object' || typeof anchor.streamId !== 'string') {
        throw new Error(`${file} holds something that is not an anchor`);
      }
      anchors.push(anchor);
    }
  }
  return anchors;
}

/** Why the anchor's signature fails, or undefined when it holds. */
function signatureProblem(anchor, keys) {
  if (anchor.algorithm !== 'Ed25519') return `algorithm ${anchor.algorithm} is not Ed25519`;
  const key = keys.get(anchor.keyId);
  if (!key) return `signed by key ${anchor.keyId}, which is not among the given public keys`;
  if (typeof anchor.signature !== 'string' || !/^[0-9a-f]{128}$/.test(anchor.signature)) {
    return 'the signature is not 128 hex digits';
  }
  const { streamId, revision, hash, anchoredAt } = anchor;
  const signed = Buffer.from(canonicalize({ streamId, revision, hash, anchoredAt }), 'utf8');
  return verifySignature(null, signed, key, Buffer.from(anchor.signature, 'hex'))
    ? undefined
    : `the signature does not verify under key ${anchor.keyId}: the anchor was altered or forged`;
}

/** One line per anchor; `broken` counts the anchors that fail. */
function checkAnchors(anchors, keys, streams) {
  const lines = [];
  let broken = 0;
  for (const anchor of anchors) {
    const where = `${anchor.streamId} revision ${anchor.revision}`;
    const problem = signatureProblem(anchor, keys) ?? againstExport(anchor, streams);
    if (problem) {
      broken++;
      lines.push(`ANCHOR BROKEN ${where}: ${problem}`);
      continue;
    }
    const stream = streams.get(anchor.streamId);
    const scope = !stream
      ? ' (stream not in this export: signature only)'
      : anchor.revision < stream.first
        ? ' (before this export: signature only)'
        : '';
    lines.push(`ANCHOR OK ${where} key ${anchor.keyId} signed ${anchor.anchoredAt}${scope}`);
  }
  return { lines, broken };
}

function againstExport(anchor, streams) {
  const stream = streams.get(anchor.streamId);
  if (!stream || stream.broken || anchor.revision < stream.first) return undefined;
  if (anchor.revision >= stream.nextRevision) {
    return `the export ends at revision ${stream.nextRevision - 1}, before the anchored revision (truncated, or an older export)`;
  }
  const hash = stream.watched.get(anchor.revision);
  return hash === anchor.hash
    ? undefined
    : `the export has hash ${hash} there, the anchor ${anchor.hash}: history was rewritten`;
}

/**
 * The data subjects (blind indexes) whose sealed personal values an event carries: sealed values
 * are objects with "$sealed" in data's members and in metadata.actor.subject.
 */
function sealedSubjects(event) {
  const subjects = new Set();
  const data = event.data !== null && typeof event.data === 'object' ? event.data : {};
  for (const value of [...Object.values(data), event.metadata?.actor?.subject]) {
    if (value !== null && typeof value === 'object' && typeof value.$sealed === 'string') {
      subjects.add(value.subject);
    }
  }
  return subjects;
}

/** Counts events with sealed fields, and those whose subject a DataSubjectErased event erased. */
function personalData() {
  const carrying = [];
  const erased = new Set();
  let erasures = 0;
  return {
    add(event) {
      if (event.type === 'DataSubjectErased' && typeof event.data?.subject === 'string') {
        erased.add(event.data.subject);
        erasures++;
      }
      const subjects = sealedSubjects(event);
      if (subjects.size > 0) carrying.push(subjects);
    },
    summary() {
      if (erasures === 0) return undefined;
      const withErased = carrying.filter((subjects) => [...subjects].some((s) => erased.has(s)));
      return (
        `PERSONAL ${carrying.length} events carry sealed personal fields; ` +
        `${withErased.length} of them carry fields of erased subjects ` +
        `(${erasures} DataSubjectErased events in this export)`
      );
    },
  };
}

async function verify(lines, prevHash, watch = new Map(), personal = personalData()) {
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
    personal.add(event);
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
          watch: watch.get(event.streamId) ?? new Set(),
          watched: new Map(),
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
    if (stream.watch.has(event.revision)) stream.watched.set(event.revision, event.hash);
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
      'usage: node scripts/verify-audit-chain.js [export.ndjson | -] [--prev-hash <hex>] ' +
        '[--keys <keys.json | keys.pem> --anchor <anchor.json> ...]',
    );
    return 0;
  }
  let keys;
  let anchors;
  try {
    keys = options.keys === undefined ? new Map() : readKeys(options.keys);
    anchors = readAnchors(options.anchors);
  } catch (error) {
    console.error(`verify-audit-chain: ${error.message}`);
    return 2;
  }
  const personal = personalData();
  const watch = new Map();
  for (const anchor of anchors) {
    if (!watch.has(anchor.streamId)) watch.set(anchor.streamId, new Set());
    watch.get(anchor.streamId).add(anchor.revision);
  }
  const input = options.file === '-' ? process.stdin : createReadStream(options.file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let streams;
  try {
    streams = await verify(lines, options.prevHash, watch, personal);
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
  const anchored = checkAnchors(anchors, keys, streams);
  for (const line of anchored.lines) console.log(line);
  const summary = personal.summary();
  if (summary) console.log(summary);
  return broken + anchored.broken === 0 ? 0 : 1;
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
