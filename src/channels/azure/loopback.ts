/**
 * "This machine", for the Emulator mode of `/api/messages`: decided from the TCP peer's address and the
 * literal host of a URL, never from anything a caller can word (headers, host names that resolve).
 */
import { isIP } from 'node:net';

const mappedPrefix = '::ffff:';

/** The address (a socket's `remoteAddress`) is loopback: 127.0.0.0/8, `::1`, or 127/8 mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.toLowerCase().startsWith(mappedPrefix) ? address.slice(mappedPrefix.length) : address;
  if (isIP(ip) === 4) return ip.startsWith('127.');
  return isIP(ip) === 6 && /^[0:]*:0*1$/.test(ip);
}

/** The URL is http(s) on `localhost` or a loopback address literal. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url || !URL.canParse(url)) return false;
  const { hostname, protocol } = new URL(url);
  if (protocol !== 'http:' && protocol !== 'https:') return false;
  if (hostname === 'localhost') return true;
  return isLoopbackAddress(hostname.replace(/^\[(.*)\]$/, '$1'));
}
