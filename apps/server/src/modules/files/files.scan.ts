/**
 * The virus-scanning hook: every upload passes a scanner before it is stored. The default does
 * nothing; `EicarScanner` flags the EICAR anti-virus test string (for tests and drills). A real
 * engine fills the same interface, e.g. ClamAV's clamd over its INSTREAM command (send
 * "zINSTREAM\0", the bytes in length-prefixed chunks, a zero-length chunk; the answer is
 * "stream: OK" or "stream: <signature> FOUND"). A scanner that cannot answer throws: the upload
 * is refused (fail closed), never stored unscanned.
 */
export type ScanResult = { clean: true } | { clean: false; signature: string };

export interface VirusScanner {
  readonly name: string;
  scan(data: Buffer, meta: { originalName: string; mediaType: string }): Promise<ScanResult>;
}

export class NoopScanner implements VirusScanner {
  readonly name = 'none';
  async scan(): Promise<ScanResult> {
    return { clean: true };
  }
}

/** The standard EICAR test file content (harmless; every anti-virus engine reports it). */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export class EicarScanner implements VirusScanner {
  readonly name = 'eicar';
  private readonly needle = Buffer.from(EICAR, 'latin1');
  async scan(data: Buffer): Promise<ScanResult> {
    return data.includes(this.needle) ? { clean: false, signature: 'Eicar-Test-Signature' } : { clean: true };
  }
}

export function selectScanner(name: 'none' | 'eicar'): VirusScanner {
  return name === 'eicar' ? new EicarScanner() : new NoopScanner();
}
