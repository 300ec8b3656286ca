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
            let pem = std::fs::read(path).map_err(|e| {
                Error::file(path.display(), &e)
                    .with_hint("--ca-cert takes a PEM file with one or more CA certificates")
            })?;
            extra = add_pem(&mut roots, &pem).map_err(|m| {
                Error::input(format!("{}: {m}", path.display()))
                    .with_hint("--ca-cert takes a PEM file (-----BEGIN CERTIFICATE-----)")
            })?;
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

fn add_pem(roots: &mut RootCertStore, pem: &[u8]) -> std::result::Result<usize, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate file ({e})"))?;
    if certs.is_empty() {
        return Err("holds no PEM certificate".into());
    }
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err("holds no usable CA certificate".into());
    }
    Ok(added)
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
