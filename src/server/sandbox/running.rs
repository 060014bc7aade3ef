//! A sandbox serving HTTP on a socket of its own: what demo mode, the
//! `kyc-desk sandbox` command, the bench and the tests all start.

use std::io;
use std::net::SocketAddr;

use tokio::net::ToSocketAddrs;
use tokio::sync::oneshot;

use super::{Sandbox, SandboxConfig};

/// A sandbox that serves until this handle is dropped: it then stops
/// accepting connections and closes idle ones; a request in flight is
/// answered first.
pub struct RunningSandbox {
    addr: SocketAddr,
    sandbox: Sandbox,
    stop: Option<oneshot::Sender<()>>,
}

impl Sandbox {
    /// Serves a fresh sandbox on `addr` (`"127.0.0.1:0"`: a free local
    /// port) in a task of its own.
    pub async fn start(
        config: SandboxConfig,
        addr: impl ToSocketAddrs,
    ) -> io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let sandbox = Sandbox::new(config);
        let router = sandbox.router();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serving = axum::serve(listener, router).with_graceful_shutdown(async {
                // Dropping the sender stops it as well as sending.
                let _ = stopped.await;
            });
            if let Err(e) = serving.await {
                tracing::error!(error = %e, %addr, "the sandbox stopped");
            }
        });
        Ok(RunningSandbox {
            addr,
            sandbox,
            stop: Some(stop),
        })
    }
}

impl RunningSandbox {
    /// The address it listens on (the port chosen, when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` and its address.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The credentials it accepts.
    pub fn config(&self) -> &SandboxConfig {
        self.sandbox.config()
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
