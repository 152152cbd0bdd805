/** The payload the crash writer gives entry `seq`: varied sizes, so kills land mid-frame at all lengths. */
export function payloadFor(seq: number): string {
  return String.fromCharCode(97 + (seq % 26)).repeat(((seq * 7919) % 3000) + 1);
}

/** The large binary value the crash writer stores with entry `seq` (kept out of memory by the server). */
export function blobFor(seq: number): Buffer {
  const bytes = Buffer.alloc(150 * 1024 + (seq % 7) * 4099, seq % 251);
  bytes.writeUInt32LE(seq, 0);
  return bytes;
}
