/**
 * Encodes a password the way Active Directory's `unicodePwd` attribute requires it: the
 * password wrapped in double quotes, as UTF-16LE bytes, sent as a binary value (never as a
 * string, which would be re-encoded as UTF-8). AD only accepts `unicodePwd` writes over an
 * encrypted connection (LDAPS or StartTLS). Characters outside the Basic Multilingual Plane
 * become surrogate pairs, which is what Windows stores.
 *
 * Self-service change = one modify that deletes the old encoded value and adds the new one;
 * an administrative reset = one replace.
 */
export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}
