/**
 * What a file is, by its content: magic bytes for PDF, PNG and JPEG; for OFD (GB/T 33190, the
 * Chinese fixed-layout format) a ZIP container whose root holds OFD.xml with an OFD root element.
 * The declared extension and content type must agree with what the content is: a ".pdf" that is
 * really a PNG is refused, however it was labelled.
 */
import { inflateRawSync } from 'node:zlib';
import type { FileMediaType } from '../../db/types';

export type MediaType = FileMediaType;

export interface Kind {
  mediaType: MediaType;
  label: string;
  extensions: string[];
  /** Content types a client may declare for it (browsers do not agree on OFD). */
  contentTypes: string[];
}

export const KINDS: Kind[] = [
  { mediaType: 'application/pdf', label: 'PDF', extensions: ['pdf'], contentTypes: ['application/pdf', 'application/x-pdf'] },
  { mediaType: 'image/jpeg', label: 'JPEG', extensions: ['jpg', 'jpeg'], contentTypes: ['image/jpeg', 'image/pjpeg', 'image/jpg'] },
  { mediaType: 'image/png', label: 'PNG', extensions: ['png'], contentTypes: ['image/png'] },
  { mediaType: 'application/ofd', label: 'OFD', extensions: ['ofd'], contentTypes: ['application/ofd', 'application/x-ofd', 'application/zip'] },
];

/** Content types that claim nothing: the extension and the content decide. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/x-download']);

export const kindOf = (mediaType: MediaType): Kind => KINDS.find((k) => k.mediaType === mediaType)!;
export const kindByExtension = (ext: string): Kind | undefined => KINDS.find((k) => k.extensions.includes(ext));
export const kindByContentType = (ct: string): Kind | undefined => KINDS.find((k) => k.contentTypes.includes(ct));
export const isGenericContentType = (ct: string): boolean => GENERIC_TYPES.has(ct);

export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return m ? m[1].toLowerCase() : '';
}

export interface Detection {
  /** What the content is, or null when it is none of the accepted kinds. */
  mediaType: MediaType | null;
  /** Why a container that looked promising is not the kind it seems (e.g. a ZIP without OFD.xml). */
  note?: string;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function detect(buf: Buffer): Detection {
  if (buf.length >= 8 && buf.subarray(0, 5).toString('latin1') === '%PDF-' && /^[12]\.\d/.test(buf.subarray(5, 8).toString('latin1'))) {
    // Readers look for the end-of-file marker near the end; a truncated PDF has none.
    const tail = buf.subarray(Math.max(0, buf.length - 2048)).toString('latin1');
    return tail.includes('%%EOF') ? { mediaType: 'application/pdf' } : { mediaType: null, note: 'PDF without an end-of-file marker (truncated?)' };
  }
  if (buf.length >= 24 && buf.subarray(0, 8).equals(PNG_SIGNATURE) && buf.subarray(12, 16).toString('latin1') === 'IHDR') return { mediaType: 'image/png' };
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff && buf[3] >= 0xc0) return { mediaType: 'image/jpeg' };
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50) {
    const why = ofdProblem(buf);
    return why ? { mediaType: null, note: why } : { mediaType: 'application/ofd' };
  }
  return { mediaType: null };
}

// ---- OFD: a ZIP container with OFD.xml at its root ------------------------------------------

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** OFD.xml is a small manifest; more than this is not one (and bounds a decompression bomb). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** The entries of a ZIP file's central directory, or a reason it cannot be read. */
export function zipEntries(buf: Buffer): ZipEntry[] | string {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return 'ZIP without an end of central directory';
  const count = buf.readUInt16LE(eocd + 10);
  const size = buf.readUInt32LE(eocd + 12);
  const offset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) return 'ZIP64 containers are not supported';
  if (offset + size > eocd) return 'ZIP central directory out of bounds';
  const entries: ZipEntry[] = [];
  let p = offset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== CENTRAL) return 'ZIP central directory is damaged';
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    entries.push({
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      uncompressedSize: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
      name: buf.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function readEntry(buf: Buffer, e: ZipEntry): Buffer | string {
  if (e.flags & 0x1) return 'encrypted ZIP entry';
  if (e.uncompressedSize > MAX_MANIFEST_BYTES) return 'OFD.xml is implausibly large';
  const p = e.localOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== LOCAL) return 'ZIP local header is damaged';
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const data = buf.subarray(start, start + e.compressedSize);
  if (data.length !== e.compressedSize) return 'ZIP entry is truncated';
  if (e.method === 0) return data;
  if (e.method === 8) {
    try {
      return inflateRawSync(data, { maxOutputLength: MAX_MANIFEST_BYTES });
    } catch {
      return 'OFD.xml cannot be decompressed';
    }
  }
  return `unsupported ZIP compression method ${e.method}`;
}

/** Why this ZIP is not an OFD document, or null when it is one. */
export function ofdProblem(buf: Buffer): string | null {
  const entries = zipEntries(buf);
  if (typeof entries === 'string') return entries;
  const manifest = entries.find((e) => e.name === 'OFD.xml');
  if (!manifest) return 'a ZIP without OFD.xml at its root is not an OFD document';
  const xml = readEntry(buf, manifest);
  if (typeof xml === 'string') return xml;
  const text = xml.toString('utf8');
  // The root element is OFD (usually ofd:OFD in the http://www.ofdspec.org/2016 namespace).
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.-]*:)?OFD[\s>/]/.exec(text.replace(/^\uFEFF/, ''));
  return root ? null : 'OFD.xml does not have an OFD root element';
}
