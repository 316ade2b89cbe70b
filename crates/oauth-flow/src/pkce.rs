//! PKCE (RFC 7636) and the other random values a flow draws.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::secret::CodeVerifier;

/// The length of 32 bytes in base64url without padding.
const ENCODED_LEN: usize = 43;

/// 32 bytes as base64url without padding, written into `buf`: no heap buffer
/// to zero and check first, as the allocating encoder has.
fn encode_32<'b>(bytes: &[u8; 32], buf: &'b mut [u8; ENCODED_LEN]) -> Option<&'b str> {
    let written = URL_SAFE_NO_PAD.encode_slice(bytes, buf).ok()?;
    std::str::from_utf8(buf.get(..written)?).ok()
}

/// 32 bytes as an owned base64url string. Neither step of [`encode_32`] can
/// fail for 32 bytes; the allocating encoder is the fallback all the same.
fn base64url_32(bytes: &[u8; 32]) -> String {
    let mut buf = [0u8; ENCODED_LEN];
    let value =
        encode_32(bytes, &mut buf).map_or_else(|| URL_SAFE_NO_PAD.encode(bytes), str::to_owned);
    buf.zeroize();
    value
}

/// 32 bytes from the caller's CSPRNG as 43 base64url characters: 256 bits,
/// above the 128 RFC 6749 §10.10 asks for, and a valid RFC 7636 §4.1 verifier.
pub(crate) fn random_value<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let value = base64url_32(&bytes);
    bytes.zeroize();
    value
}

/// `BASE64URL(SHA256(ASCII(code_verifier)))`, RFC 7636 §4.2.
pub(crate) fn s256_challenge(verifier: &CodeVerifier) -> String {
    base64url_32(&Sha256::digest(verifier.secret().as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc7636_appendix_b_example() {
        let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            s256_challenge(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_values_are_43_unreserved_characters() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
        let value = random_value(&mut rng);
        assert_eq!(value.len(), 43);
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(value, random_value(&mut rng));
    }

    use rand_core::SeedableRng as _;
}
