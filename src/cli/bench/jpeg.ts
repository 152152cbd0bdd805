/**
 * A small JPEG built byte by byte, with an EXIF block carrying what a phone camera writes: capture
 * time, GPS position, make and model. The benchmark sends it as a claim photo (padded to a realistic
 * size) and the tests check the evidence read from it, so neither depends on an image library or a file
 * from outside the repository.
 */

/** What the EXIF block of the photo says. */
export interface PhotoExif {
  /** Written as the camera clock shows it (`YYYY:MM:DD HH:MM:SS`, read back as UTC). */
  capturedAt?: Date;
  gps?: { latitude: number; longitude: number };
  make?: string;
  model?: string;
  /** Bytes of image data to add, for a photo of a realistic size. */
  padBytes?: number;
  /** Makes otherwise identical photos differ in content (and hash). */
  variant?: number;
}

/** An 8×8 brown baseline JPEG without metadata (tables, frame, one scan, end), as a browser encodes it. */
const image = Buffer.from(
  'ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a333d3c3933383740485c4e40445745373850' +
    '6d51575f626768673e4d71797064785c656763ffdb0043011112121815182f1a1a2f63423842636363636363636363636363' +
    '6363636363636363636363636363636363636363636363636363636363636363636363636363ffc000110800080008030122' +
    '00021101031101ffc4001500010100000000000000000000000000000004ffc4001410010000000000000000000000000000' +
    '0000ffc40014010100000000000000000000000000000004ffc40014110100000000000000000000000000000000ffda000c' +
    '03010002110311003f009c00497fffd9',
  'hex',
);

export function photoWithExif(exif: PhotoExif = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('ffd8', 'hex'), app1(exif)];
  if (exif.padBytes || exif.variant !== undefined) {
    // A comment segment (at most 65533 bytes each) carries padding and the variant without touching the image.
    let remaining = Math.max(exif.padBytes ?? 0, 8);
    let first = true;
    while (remaining > 0) {
      const size = Math.min(remaining, 65_000);
      const body = Buffer.alloc(size, 0x20);
      if (first) body.write(`v${exif.variant ?? 0};`, 'latin1');
      first = false;
      const header = Buffer.from([0xff, 0xfe, (size + 2) >> 8, (size + 2) & 0xff]);
      parts.push(header, body);
      remaining -= size;
    }
  }
  parts.push(image);
  return Buffer.concat(parts);
}

type Entry = { tag: number; type: 2 | 4 | 5; count: number; value: Buffer };

function ascii(tag: number, text: string): Entry {
  const value = Buffer.from(`${text}\0`, 'latin1');
  return { tag, type: 2, count: value.length, value };
}

function rationals(tag: number, values: [number, number][]): Entry {
  const value = Buffer.alloc(values.length * 8);
  values.forEach(([numerator, denominator], index) => {
    value.writeUInt32LE(numerator, index * 8);
    value.writeUInt32LE(denominator, index * 8 + 4);
  });
  return { tag, type: 5, count: values.length, value };
}

function long(tag: number, number: number): Entry {
  const value = Buffer.alloc(4);
  value.writeUInt32LE(number);
  return { tag, type: 4, count: 1, value };
}

/** Degrees as EXIF writes them: degrees, minutes, seconds (in hundredths). */
function dms(degrees: number): [number, number][] {
  const abs = Math.abs(degrees);
  const whole = Math.floor(abs);
  const minutes = Math.floor((abs - whole) * 60);
  const seconds = Math.round(((abs - whole) * 60 - minutes) * 60 * 100);
  return [
    [whole, 1],
    [minutes, 1],
    [seconds, 100],
  ];
}

/** An IFD at `offset` (from the TIFF header): entries, next-IFD link, then the values too long to inline. */
function ifd(entries: Entry[], offset: number): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const head = Buffer.alloc(2 + sorted.length * 12 + 4);
  head.writeUInt16LE(sorted.length, 0);
  const extra: Buffer[] = [];
  let extraOffset = offset + head.length;
  sorted.forEach((entry, index) => {
    const at = 2 + index * 12;
    head.writeUInt16LE(entry.tag, at);
    head.writeUInt16LE(entry.type, at + 2);
    head.writeUInt32LE(entry.count, at + 4);
    if (entry.value.length <= 4) {
      entry.value.copy(head, at + 8);
    } else {
      head.writeUInt32LE(extraOffset, at + 8);
      const padded = entry.value.length % 2 ? Buffer.concat([entry.value, Buffer.alloc(1)]) : entry.value;
      extra.push(padded);
      extraOffset += padded.length;
    }
  });
  return Buffer.concat([head, ...extra]);
}

function ifdSize(entries: Entry[]): number {
  return ifd(entries, 0).length;
}

function app1(exif: PhotoExif): Buffer {
  const exifEntries: Entry[] = exif.capturedAt ? [ascii(0x9003, exifDate(exif.capturedAt))] : [];
  const gpsEntries: Entry[] = exif.gps
    ? [
        ascii(0x0001, exif.gps.latitude >= 0 ? 'N' : 'S'),
        rationals(0x0002, dms(exif.gps.latitude)),
        ascii(0x0003, exif.gps.longitude >= 0 ? 'E' : 'W'),
        rationals(0x0004, dms(exif.gps.longitude)),
      ]
    : [];
  const base: Entry[] = [
    ...(exif.make ? [ascii(0x010f, exif.make)] : []),
    ...(exif.model ? [ascii(0x0110, exif.model)] : []),
  ];
  // Pointers are longs whose values depend on the sizes of what precedes them; sizes do not.
  const pointers = (exifAt: number, gpsAt: number): Entry[] => [
    ...(exifEntries.length ? [long(0x8769, exifAt)] : []),
    ...(gpsEntries.length ? [long(0x8825, gpsAt)] : []),
  ];
  const ifd0Size = ifdSize([...base, ...pointers(0, 0)]);
  const exifAt = 8 + ifd0Size;
  const gpsAt = exifAt + (exifEntries.length ? ifdSize(exifEntries) : 0);
  const tiff = Buffer.concat([
    Buffer.from('49492a0008000000', 'hex'),
    ifd([...base, ...pointers(exifAt, gpsAt)], 8),
    ...(exifEntries.length ? [ifd(exifEntries, exifAt)] : []),
    ...(gpsEntries.length ? [ifd(gpsEntries, gpsAt)] : []),
  ]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  return Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
}

function exifDate(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}:${pad(date.getUTCMonth() + 1)}:${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}
