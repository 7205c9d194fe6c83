/** Strict parsers for the byte encodings users type: hex and base64 (standard or URL-safe). */

export function parseHex(text: string): Buffer | undefined {
  const clean = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  return Buffer.from(clean, 'hex');
}

export function parseBase64(text: string): Buffer | undefined {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) return undefined;
  const unpadded = clean.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  if (/[-_]/.test(clean) && /[+/]/.test(clean)) return undefined;
  return Buffer.from(clean, /[-_]/.test(clean) ? 'base64url' : 'base64');
}
