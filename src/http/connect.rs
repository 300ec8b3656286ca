//! Reaching an endpoint: the URL parsed once into an [`Endpoint`], TCP connect over its
//! addresses within a deadline, the TLS handshake, and the resulting [`Link`] whose socket
//! timeouts follow the deadline. Every outgoing connection (`send`, `lint`'s probes,
//! `listen --forward-to`) is opened here; callers time the phases and word the failures.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use crate::error::{Error, Result};

/// Where requests go, parsed once from an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL without its fragment.
    pub url: String,
    pub https: bool,
    /// Host for DNS and TLS, without IPv6 brackets.
    pub host: String,
    /// The host when it is an IP address (no DNS needed).
    pub ip: Option<IpAddr>,
    pub port: u16,
    /// Origin-form request target: path and query, as sent in the request line.
    pub path: String,
    /// `Host` header value: host (brackets for IPv6), plus `:port` when the URL names one.
    pub host_header: String,
}

impl Endpoint {
    /// `None` unless the URL is http(s) with a host.
    pub fn from_url(u: &reqwest::Url) -> Option<Endpoint> {
        let https = match u.scheme() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host_str = u.host_str().filter(|h| !h.is_empty())?;
        let host = host_str
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let ip = host.parse::<IpAddr>().ok();
        let port = u.port_or_known_default()?;
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let host_header = match u.port() {
            Some(p) => format!("{bracketed}:{p}"),
            None => bracketed,
        };
        let mut path = u.path().to_string();
        if let Some(q) = u.query() {
            path.push('?');
            path.push_str(q);
        }
        let mut clean = u.clone();
        clean.set_fragment(None);
        Some(Endpoint {
            url: clean.to_string(),
            https,
            host,
            ip,
            port,
            path,
            host_header,
        })
    }

    /// Parse an endpoint URL. Anything but an absolute http(s) URL with a host is a usage error.
    pub fn parse(url: &str) -> Result<Endpoint> {
        let hint = "give the full endpoint URL, e.g. https://example.com/webhook";
        let u = reqwest::Url::parse(url.trim())
            .map_err(|e| Error::usage(format!("not a valid URL `{url}`: {e}")).with_hint(hint))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(Error::usage(format!(
                "unsupported URL scheme `{}:` in `{url}`",
                u.scheme()
            ))
            .with_hint(hint));
        }
        Endpoint::from_url(&u)
            .ok_or_else(|| Error::usage(format!("URL `{url}` has no host")).with_hint(hint))
    }

    /// `host:port` for messages.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The addresses to try: the IP itself, or what DNS says.
    pub fn addresses(&self) -> io::Result<Vec<SocketAddr>> {
        match self.ip {
            Some(ip) => Ok(vec![SocketAddr::new(ip, self.port)]),
            None => Ok((self.host.as_str(), self.port).to_socket_addrs()?.collect()),
        }
    }

    /// Resolve the host. A host that does not resolve is a usage error (exit 2): the URL is
    /// wrong, not the endpoint.
    pub fn resolve(&self) -> Result<Vec<SocketAddr>> {
        let hint = "check the host name in the URL (and this machine's DNS)";
        let addrs = self.addresses().map_err(|e| {
            Error::usage(format!("cannot resolve host {}: {e}", self.host)).with_hint(hint)
        })?;
        if addrs.is_empty() {
            return Err(
                Error::usage(format!("host {} has no addresses", self.host)).with_hint(hint)
            );
        }
        Ok(addrs)
    }

    /// The name the server's certificate must be valid for.
    pub fn server_name(&self) -> std::result::Result<ServerName<'static>, String> {
        match self.ip {
            Some(ip) => Ok(ServerName::IpAddress(ip.into())),
            None => ServerName::try_from(self.host.clone())
                .map_err(|_| format!("`{}` is not a valid TLS server name", self.host)),
        }
    }
}

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

/// An open connection whose socket timeouts are kept to what is left of a deadline.
pub struct Link {
    pub stream: Stream,
    /// The socket timeout currently set.
    timeout: Duration,
}

impl Link {
    pub fn new(stream: Stream) -> Link {
        Link {
            stream,
            timeout: Duration::ZERO,
        }
    }

    /// Set the socket timeouts so that the next blocking call ends by `deadline`, skipping the
    /// system call when the current setting is already within 5 ms of it. A deadline already
    /// passed is a `TimedOut` error.
    pub fn arm(&mut self, deadline: Instant) -> io::Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
        }
        if self.timeout.abs_diff(left) > Duration::from_millis(5) {
            arm(self.stream.tcp(), deadline)?;
            self.timeout = left;
        }
        Ok(())
    }
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.stream {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.stream {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stream {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Socket timeouts so that the next blocking call ends by `deadline`.
pub fn arm(tcp: &TcpStream, deadline: Instant) -> io::Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
    }
    tcp.set_read_timeout(Some(left))?;
    tcp.set_write_timeout(Some(left))
}

pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Why no TCP connection was made.
#[derive(Debug)]
pub enum DialFailure {
    /// No address to try.
    NoAddress,
    /// The deadline passed (before or while connecting).
    Timeout,
    /// The last address tried refused (or another error).
    Refused(io::Error),
}

/// Connect to the first of `addrs` that answers before `deadline`, with Nagle off.
pub fn dial(
    addrs: &[SocketAddr],
    deadline: Instant,
) -> std::result::Result<TcpStream, DialFailure> {
    let mut last = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(DialFailure::Timeout);
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) if is_timeout(&e) => Err(DialFailure::Timeout),
        Some(e) => Err(DialFailure::Refused(e)),
        None if addrs.is_empty() => Err(DialFailure::NoAddress),
        None => Err(DialFailure::Timeout),
    }
}

/// Run the TLS handshake over `tcp` before `deadline`. On failure the `io::Error` may wrap a
/// `rustls::Error` (see [`tls_cause`]).
pub fn handshake(
    tcp: TcpStream,
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    deadline: Instant,
) -> std::result::Result<Box<rustls::StreamOwned<ClientConnection, TcpStream>>, io::Error> {
    let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
    let mut stream = Box::new(rustls::StreamOwned::new(conn, tcp));
    while stream.conn.is_handshaking() {
        arm(&stream.sock, deadline)?;
        stream.conn.complete_io(&mut stream.sock)?;
    }
    Ok(stream)
}

/// The TLS error inside an I/O error from [`handshake`], if any.
pub fn tls_cause(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
}
