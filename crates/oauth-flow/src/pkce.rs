//! PKCE (RFC 7636) and the other random values a flow draws.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::secret::CodeVerifier;

/// 32 bytes from the caller's CSPRNG as 43 base64url characters: 256 bits,
/// above the 128 RFC 6749 §10.10 asks for, and a valid RFC 7636 §4.1 verifier.
pub(crate) fn random_value<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let value = URL_SAFE_NO_PAD.encode(bytes);
    bytes.zeroize();
    value
}

/// `BASE64URL(SHA256(ASCII(code_verifier)))`, RFC 7636 §4.2.
pub(crate) fn s256_challenge(verifier: &CodeVerifier) -> String {
    let digest = Sha256::digest(verifier.secret().as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
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
