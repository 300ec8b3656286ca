//! The one accept loop behind every test server: bound on 127.0.0.1 port 0 (so tests never
//! collide on a port and need no wait for readiness: the socket listens before `start`
//! returns), each connection on its own thread, bounded in count, stopped when dropped.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What a connection handler gets: the connection's number (0-based, in arrival order) and
/// the stream.
pub type Handler = Arc<dyn Fn(usize, TcpStream) + Send + Sync>;

/// A TCP server on 127.0.0.1:0 that hands each connection to a handler.
pub struct LocalServer {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl LocalServer {
    /// At most 64 connections, each with a 10 s read timeout: for handlers that script a
    /// fault by hand.
    pub fn start(handler: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> LocalServer {
        LocalServer::start_with(64, Arc::new(AtomicBool::new(false)), move |n, stream| {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            handler(n, stream)
        })
    }

    /// At most `max_connections`; `stop` turns true when the server is dropped (a handler
    /// that waits can watch it). The handler sets its own socket options.
    pub fn start_with(
        max_connections: usize,
        stop: Arc<AtomicBool>,
        handler: impl Fn(usize, TcpStream) + Send + Sync + 'static,
    ) -> LocalServer {
        let handler: Handler = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let accept = {
            let connections = connections.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for _ in 0..max_connections {
                    let Ok((stream, _)) = listener.accept() else {
                        break;
                    };
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let n = connections.fetch_add(1, Ordering::SeqCst);
                    let h = handler.clone();
                    std::thread::spawn(move || h(n, stream));
                }
            })
        };
        LocalServer {
            addr,
            connections,
            stop,
            accept: Some(accept),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}
