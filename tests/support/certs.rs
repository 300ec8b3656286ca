//! Certificates for the tests that serve HTTPS: a throwaway CA (rcgen) that signs leaves that
//! are valid, expired, expiring soon or for another host, self-signed leaves, and the rustls
//! server configuration that presents them. One place for every test file.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A throwaway CA that signs server certificates.
pub struct Ca {
    params: rcgen::CertificateParams,
    key: rcgen::KeyPair,
    pub pem: String,
}

/// A server certificate chain and its key.
pub struct ServerCert {
    pub chain: Vec<CertificateDer<'static>>,
    pub key_der: Vec<u8>,
    /// The leaf as PEM (to hand a self-signed leaf to `--ca-cert`).
    pub leaf_pem: String,
}

fn dn(cn: &str) -> rcgen::DistinguishedName {
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, cn);
    dn.push(rcgen::DnType::OrganizationName, "cmzon-hook tests");
    dn
}

/// `(year, month, day)` of a Unix time, via the library's own civil-date function.
fn ymd(unix: i64) -> (i32, u8, u8) {
    let d = cmzon_hook::linting::preflight::date(unix);
    let p: Vec<&str> = d.split('-').collect();
    (
        p[0].parse().unwrap(),
        p[1].parse().unwrap(),
        p[2].parse().unwrap(),
    )
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Validity of a leaf.
#[derive(Clone, Copy)]
pub enum Validity {
    /// rcgen's default: 1975 to 4096.
    Long,
    /// Expired on 2020-01-01.
    Expired,
    /// Ends at 00:00 UTC this many days from today.
    EndsInDays(i64),
}

fn leaf_params(names: &[&str], validity: Validity) -> rcgen::CertificateParams {
    let cn = names.first().copied().unwrap_or("test server");
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut p = rcgen::CertificateParams::new(names).unwrap();
    p.distinguished_name = dn(cn);
    match validity {
        Validity::Long => {}
        Validity::Expired => {
            p.not_before = rcgen::date_time_ymd(2019, 1, 1);
            p.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        Validity::EndsInDays(days) => {
            let (y, m, d) = ymd(now_unix() - 86_400 * 30);
            p.not_before = rcgen::date_time_ymd(y, m, d);
            let (y, m, d) = ymd(now_unix() + 86_400 * days);
            p.not_after = rcgen::date_time_ymd(y, m, d);
        }
    }
    p
}

impl Ca {
    pub fn new() -> Ca {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = dn("cmzon-hook test CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let key = rcgen::KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Ca { params, key, pem }
    }

    /// A leaf for `names` signed by this CA.
    pub fn leaf(&self, names: &[&str], validity: Validity) -> ServerCert {
        let key = rcgen::KeyPair::generate().unwrap();
        let issuer = rcgen::Issuer::from_params(&self.params, &self.key);
        let cert = leaf_params(names, validity)
            .signed_by(&key, &issuer)
            .unwrap();
        ServerCert {
            chain: vec![cert.der().clone()],
            key_der: key.serialize_der(),
            leaf_pem: cert.pem(),
        }
    }

    /// Write the CA certificate to `dir/ca.pem`.
    pub fn write(&self, dir: &Path) -> std::path::PathBuf {
        let p = dir.join("ca.pem");
        std::fs::write(&p, &self.pem).unwrap();
        p
    }
}

/// A self-signed leaf for `names`.
pub fn self_signed(names: &[&str]) -> ServerCert {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = leaf_params(names, Validity::Long)
        .self_signed(&key)
        .unwrap();
    ServerCert {
        chain: vec![cert.der().clone()],
        key_der: key.serialize_der(),
        leaf_pem: cert.pem(),
    }
}

/// A self-signed certificate for `names` that is its own CA (`CA:TRUE`), what
/// `openssl req -x509 -newkey rsa:2048 -subj /CN=localhost -addext subjectAltName=...` makes:
/// rustls refuses it as a server certificate even when it is trusted (`CaUsedAsEndEntity`).
pub fn self_signed_ca(names: &[&str]) -> ServerCert {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = leaf_params(names, Validity::Long);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    ServerCert {
        chain: vec![cert.der().clone()],
        key_der: key.serialize_der(),
        leaf_pem: cert.pem(),
    }
}

/// A rustls server configuration presenting `cert`.
pub fn server_config(cert: &ServerCert) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_der.clone()));
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(cert.chain.clone(), key)
            .unwrap(),
    )
}

/// The server side of TLS over an accepted connection (the handshake runs on first use).
pub type TlsStream = rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>;

/// Wrap an accepted connection in TLS with `config`; `None` when rustls refuses the config.
pub fn accept_tls(
    config: &Arc<rustls::ServerConfig>,
    tcp: std::net::TcpStream,
) -> Option<TlsStream> {
    let conn = rustls::ServerConnection::new(config.clone()).ok()?;
    Some(rustls::StreamOwned::new(conn, tcp))
}

/// A CA (as PEM, for `--ca-cert`) and a server configuration for a leaf it signed.
pub struct TlsServer {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

impl TlsServer {
    /// A fresh CA and a leaf for `names`, valid as `validity` says.
    pub fn new(names: &[&str], validity: Validity) -> TlsServer {
        let ca = Ca::new();
        let leaf = ca.leaf(names, validity);
        TlsServer {
            ca_pem: ca.pem.clone(),
            server: server_config(&leaf),
        }
    }
}
