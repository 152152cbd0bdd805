/**
 * What a file tells about itself, for officers weighing a claim: a SHA-256 of the content (the same photo
 * sent for two claims), and for photos the capture time, position and camera from EXIF. These are facts
 * recorded with the file, never grounds to refuse it: a customer's file is only refused for its size or
 * its type.
 */
import { createHash } from 'node:crypto';
import exifr from 'exifr';
import { z } from 'zod';

/** Size caps by kind of file: a phone photo or a scanned document, with room to spare. */
export const maxBytesByType: Readonly<Record<string, number>> = {
  'image/jpeg': 10 * 1024 * 1024,
  'image/png': 10 * 1024 * 1024,
  'image/webp': 10 * 1024 * 1024,
  'image/heic': 10 * 1024 * 1024,
  'application/pdf': 10 * 1024 * 1024,
};

/** Types whose EXIF is read. */
const exifTypes: ReadonlySet<string> = new Set(['image/jpeg', 'image/heic', 'image/webp', 'image/png']);

/** A position in decimal degrees (WGS 84), as EXIF GPS gives it. */
export const gpsSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});
export type GpsPosition = z.infer<typeof gpsSchema>;

/** What the evidence checks found in one file. */
export const fileEvidenceSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** When the photo was taken, from EXIF `DateTimeOriginal` (camera clock, read as UTC). */
  capturedAt: z.coerce.date().optional(),
  gps: gpsSchema.optional(),
  /** Make and model, e.g. `Apple iPhone 13`. */
  camera: z.string().max(200).optional(),
});
export type FileEvidence = z.infer<typeof fileEvidenceSchema>;

const exifSchema = z
  .object({
    DateTimeOriginal: z.string().optional(),
    CreateDate: z.string().optional(),
    Make: z.string().optional(),
    Model: z.string().optional(),
    latitude: z.number().optional(),
    longitude: z.number().optional(),
  })
  .partial();

/** Reads the evidence of `data`, already known to be of type `contentType`. Never throws for bad EXIF. */
export async function inspectEvidence(data: Buffer, contentType: string): Promise<FileEvidence> {
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (!exifTypes.has(contentType)) return { sha256 };
  const exif = await readExif(data);
  if (!exif) return { sha256 };
  const capturedAt = exifDate(exif.DateTimeOriginal ?? exif.CreateDate);
  const gps = gpsSchema.safeParse({ latitude: exif.latitude, longitude: exif.longitude });
  const make = exif.Make?.trim();
  const model = exif.Model?.trim();
  // A model name often repeats the make ("Canon" / "Canon EOS R5"), so it is not said twice.
  const camera = (
    model && make && !model.startsWith(make) ? `${make} ${model}` : (model ?? make ?? '')
  ).slice(0, 200);
  return {
    sha256,
    ...(capturedAt ? { capturedAt } : {}),
    ...(gps.success ? { gps: gps.data } : {}),
    ...(camera ? { camera } : {}),
  };
}

async function readExif(data: Buffer): Promise<z.infer<typeof exifSchema> | undefined> {
  try {
    const raw: unknown = await exifr.parse(data, {
      tiff: true,
      exif: true,
      gps: true,
      ifd1: false,
      interop: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      // Dates stay strings: EXIF has no time zone, and a Date revived in the server's zone would vary.
      reviveValues: false,
    });
    const parsed = exifSchema.safeParse(raw ?? {});
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Broken or hostile metadata tells nothing; the file itself is still kept.
    return undefined;
  }
}

/** `YYYY:MM:DD HH:MM:SS` as a UTC date, or undefined. */
function exifDate(value: string | undefined): Date | undefined {
  const match = value && /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) || y < 1990 ? undefined : date;
}

/** Great-circle distance in kilometres. */
export function distanceKm(a: GpsPosition, b: GpsPosition): number {
  const rad = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
