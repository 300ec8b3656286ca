//! Client-side TLS settings for every outgoing connection: the trusted roots (the system
//! store plus `--ca-cert`, loaded once per run and shared), and the rustls client
//! configuration (ring, TLS 1.2/1.3, ALPN `http/1.1`) with the sender's verifier, no verifier
//! (`--insecure`), or `lint`'s inspecting one. Imports nothing else from `http`.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

use crate::error::{Error, Result};

/// Roots a client trusts: the system store plus `--ca-cert`.
#[derive(Debug, Clone)]
pub struct TrustStore {
    pub(crate) roots: Arc<RootCertStore>,
    /// Certificates loaded from the system store.
    pub system: usize,
    /// Certificates loaded from `--ca-cert`.
    pub extra: usize,
}

impl TrustStore {
    /// The system's trust store (what a sender on a stock machine trusts) plus `ca_cert`.
    pub fn load(ca_cert: Option<&Path>) -> Result<TrustStore> {
        let mut roots = RootCertStore::empty();
        let system = add_system(&mut roots);
        let mut extra = 0;
        if let Some(path) = ca_cert {
            let (added, _) = roots.add_parsable_certificates(read_ca_cert(path)?);
            if added == 0 {
                return Err(Error::input(format!(
                    "{}: holds no usable CA certificate",
                    path.display()
                ))
                .with_hint(CA_CERT_HINT));
            }
            extra = added;
        }
        Ok(TrustStore {
            roots: Arc::new(roots),
            system,
            extra,
        })
    }

    /// Only the certificates in `pem` (tests, and callers that want no system roots).
    pub fn from_pem(pem: &[u8]) -> std::result::Result<TrustStore, String> {
        let mut roots = RootCertStore::empty();
        let extra = add_pem(&mut roots, pem)?;
        Ok(TrustStore {
            roots: Arc::new(roots),
            system: 0,
            extra,
        })
    }

    /// The system's trust store plus already-parsed `extra` certificates.
    pub fn system_plus(extra: &[CertificateDer<'static>]) -> TrustStore {
        let mut roots = RootCertStore::empty();
        let system = add_system(&mut roots);
        let (extra, _) = roots.add_parsable_certificates(extra.iter().cloned());
        TrustStore {
            roots: Arc::new(roots),
            system,
            extra,
        }
    }

    pub fn empty() -> TrustStore {
        TrustStore {
            roots: Arc::new(RootCertStore::empty()),
            system: 0,
            extra: 0,
        }
    }
}

/// What `--ca-cert` takes, for every error about it.
const CA_CERT_HINT: &str =
    "--ca-cert takes a PEM file with one or more CA certificates (-----BEGIN CERTIFICATE-----)";

/// The certificates of a `--ca-cert` PEM file, or an error naming the file and the problem.
/// Read when the client is built, so a bad file fails at once even where the system store
/// is loaded later.
pub fn read_ca_cert(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem =
        std::fs::read(path).map_err(|e| Error::file(path.display(), &e).with_hint(CA_CERT_HINT))?;
    parse_pem(&pem)
        .map_err(|m| Error::input(format!("{}: {m}", path.display())).with_hint(CA_CERT_HINT))
}

fn parse_pem(pem: &[u8]) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate file ({})", pem_problem(&e)))?;
    if certs.is_empty() {
        return Err("holds no PEM certificate".into());
    }
    Ok(certs)
}

fn add_pem(roots: &mut RootCertStore, pem: &[u8]) -> std::result::Result<usize, String> {
    let (added, _) = roots.add_parsable_certificates(parse_pem(pem)?);
    if added == 0 {
        return Err("holds no usable CA certificate".into());
    }
    Ok(added)
}

/// A PEM parsing error in words (pki-types prints the markers as byte arrays).
fn pem_problem(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as P;
    match e {
        P::MissingSectionEnd { .. } => "a -----BEGIN section has no -----END line".into(),
        P::IllegalSectionStart { .. } => "a -----BEGIN line is malformed".into(),
        P::Base64Decode(_) => "the base64 text of a certificate is damaged".into(),
        P::Io(io) => format!("cannot read it: {io}"),
        P::NoItemsFound => "no PEM section found".into(),
        P::SectionTooLarge => "a PEM section is larger than 256 MB".into(),
        _ => "it does not parse as PEM".into(),
    }
}

fn add_system(roots: &mut RootCertStore) -> usize {
    roots
        .add_parsable_certificates(rustls_native_certs::load_native_certs().certs)
        .0
}

/// The crypto provider every client configuration uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// TLS settings of a webhook sender: certificates verified against `trust`, or not at all
/// when `insecure`. HTTP/1.1 is offered by ALPN.
pub fn sender_config(trust: &TrustStore, insecure: bool) -> Arc<ClientConfig> {
    let provider = provider();
    let config = if insecure {
        with_verifier(Arc::new(AcceptAnyCert(provider.clone())))
    } else {
        builder(provider).map(|b| {
            let mut c = b
                .with_root_certificates(trust.roots.clone())
                .with_no_client_auth();
            c.alpn_protocols = vec![b"http/1.1".to_vec()];
            c
        })
    };
    // The ring provider always supports the default protocol versions.
    Arc::new(config.expect("ring supports TLS 1.2 and 1.3"))
}

/// TLS settings that leave certificate checks to `verifier`; HTTP/1.1 offered by ALPN.
pub fn with_verifier(
    verifier: Arc<dyn ServerCertVerifier>,
) -> std::result::Result<ClientConfig, rustls::Error> {
    let mut config = builder(provider())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn builder(
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> std::result::Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>, rustls::Error>
{
    ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()
}

/// `--insecure`: accept any certificate (signatures are still checked for consistency).
#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The plain-words explanation of a self-signed certificate that is its own CA (`CA:TRUE`,
/// what `openssl req -x509` makes) presented by a server: rustls' `CaUsedAsEndEntity`.
pub const SELF_SIGNED_CA: &str = "the server's certificate is self-signed and used as its own CA (CA:TRUE), which TLS clients refuse for a server: make a CA and a separate server certificate signed by it (mkcert does both), or use --insecure for local tests";

/// What to do after [`SELF_SIGNED_CA`].
pub const SELF_SIGNED_CA_FIX: &str = "`mkcert 127.0.0.1 localhost` writes a server certificate signed by mkcert's CA: serve it, and pass --ca-cert \"$(mkcert -CAROOT)/rootCA.pem\"";

/// A TLS error in words a user can act on: never rustls' internal names (`Other(`,
/// `OtherError`, `CaUsedAsEndEntity`).
pub fn explain(err: &rustls::Error) -> String {
    use rustls::Error as E;
    match err {
        E::InvalidCertificate(c) => explain_certificate(c),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
            "the server does not speak TLS here (a plain HTTP endpoint? try http://)".to_string()
        }
        E::InappropriateHandshakeMessage { .. } | E::PeerMisbehaved(_) => {
            "the server broke the TLS protocol during the handshake".to_string()
        }
        E::NoCertificatesPresented => "the server sent no certificate".to_string(),
        E::AlertReceived(alert) => format!(
            "the server ended the handshake ({}): it may not support TLS 1.2/1.3 or want a client certificate",
            words(&format!("{alert:?}"))
        ),
        E::PeerIncompatible(why) => format!(
            "the server's TLS is incompatible ({}): it needs TLS 1.2 or 1.3 with modern ciphers",
            words(&format!("{why:?}"))
        ),
        E::DecryptError => "the TLS connection could not be decrypted".to_string(),
        E::General(text) => text.clone(),
        E::Other(other) => words(&other.0.to_string()),
        other => words(&other.to_string()),
    }
}

/// A rejected certificate, in plain words.
pub fn explain_certificate(err: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match err {
        C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (check this machine's clock)".into()
        }
        C::UnknownIssuer => {
            "the server's certificate is not signed by a CA this machine trusts".into()
        }
        C::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "the server's certificate is not valid for {} (it is for {})",
            expected.to_str(),
            if presented.is_empty() {
                "no name".to_string()
            } else {
                presented.join(", ")
            }
        ),
        C::NotValidForName => "the server's certificate is not valid for this host".into(),
        C::BadSignature => "the server's certificate has a bad signature".into(),
        C::Revoked => "the server's certificate is revoked".into(),
        C::BadEncoding => "the server's certificate cannot be parsed".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "the server's certificate is not meant for TLS servers (extended key usage)".into()
        }
        C::UnhandledCriticalExtension => {
            "the server's certificate has a critical extension TLS clients do not know".into()
        }
        C::Other(other) => {
            let name = other.0.to_string();
            match name.as_str() {
                "CaUsedAsEndEntity" => SELF_SIGNED_CA.to_string(),
                "EndEntityUsedAsCa" => {
                    "the server's certificate is signed by a certificate that is not a CA".into()
                }
                _ => format!("the server's certificate is rejected: {}", words(&name)),
            }
        }
        other => format!(
            "the server's certificate is rejected: {}",
            words(&format!("{other:?}"))
        ),
    }
}

/// `CamelCase` identifiers (Debug names) as lowercase words, wrappers dropped:
/// `Other(OtherError(NameConstraintViolation))` → `name constraint violation`.
fn words(text: &str) -> String {
    let mut inner = text;
    for wrapper in ["Other(", "OtherError(", "other error: "] {
        while let Some(rest) = inner.strip_prefix(wrapper) {
            inner = rest.strip_suffix(')').unwrap_or(rest);
        }
    }
    // Keep only the variant name when it carries fields.
    let inner = inner.split(['(', '{']).next().unwrap_or(inner).trim();
    if inner.contains(' ') || !inner.chars().next().is_some_and(char::is_uppercase) {
        return inner.to_string();
    }
    let mut out = String::new();
    for (i, c) in inner.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push(' ');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::{CertificateError, Error, OtherError};

    use super::*;

    #[derive(Debug)]
    struct Named(&'static str);
    impl std::fmt::Display for Named {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Named {}

    fn other(name: &'static str) -> Error {
        Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(Named(name)))))
    }

    #[test]
    fn internal_names_never_reach_users() {
        assert_eq!(explain(&other("CaUsedAsEndEntity")), SELF_SIGNED_CA);
        let e = explain(&other("NameConstraintViolation"));
        assert_eq!(
            e,
            "the server's certificate is rejected: name constraint violation"
        );
        for err in [
            other("PathLenConstraintViolated"),
            Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
            Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure),
            Error::InvalidCertificate(CertificateError::UnknownIssuer),
            Error::Other(OtherError(Arc::new(Named("SomethingOdd")))),
        ] {
            let text = explain(&err);
            for internal in ["Other(", "OtherError", "CaUsedAsEndEntity", "Context {"] {
                assert!(!text.contains(internal), "{text}");
            }
        }
        assert_eq!(
            explain(&Error::AlertReceived(
                rustls::AlertDescription::HandshakeFailure
            )),
            "the server ended the handshake (handshake failure): it may not support TLS 1.2/1.3 or want a client certificate"
        );
        assert_eq!(
            words("Other(OtherError(CaUsedAsEndEntity))"),
            "ca used as end entity"
        );
        let e = TrustStore::from_pem(b"-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap_err();
        assert_eq!(
            e,
            "not a PEM certificate file (a -----BEGIN section has no -----END line)"
        );
    }
}
