//! Client-side TLS plumbing shared by the keep-alive sender (`http1`) and the lint prober
//! (`probe`): a stream that is plain TCP or rustls over TCP, and the set of trusted roots.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConnection, RootCertStore};

use crate::error::{Error, Result};

/// A connection: plain TCP, or TLS over TCP.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    /// The underlying socket (timeouts, shutdown).
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

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
