/**
 * MongoDB conformance suite: the same cases run through the official driver and mongoose, against a real
 * MongoDB when MONGODB_URI is set, otherwise against the embedded server. The suites live in ./suites and
 * share this one process, so the client libraries load once.
 */
import './suites/smoke.js';
import './suites/crud.js';
import './suites/query.js';
import './suites/aggregate.js';
import './suites/indexes.js';
import './suites/gridfs.js';
import './suites/concurrency.js';
import './suites/commands.js';
import './suites/fuzz.js';
