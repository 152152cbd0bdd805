/** The payload the crash writer gives entry `seq`: varied sizes, so kills land mid-frame at all lengths. */
export function payloadFor(seq: number): string {
  return String.fromCharCode(97 + (seq % 26)).repeat(((seq * 7919) % 3000) + 1);
}
